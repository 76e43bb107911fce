"""The composite GitHub Action (action.yml): its shape and inputs (its scripts run against a real
clone in tests/slow/test_action_scripts.py)."""
from __future__ import annotations

import json
import re

from tests.conftest import ROOT


def action() -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load((ROOT / "action.yml").read_text())


def step(doc: dict, sid: str) -> dict:
    return next(s for s in doc["runs"]["steps"] if s.get("id") == sid)


def test_shape() -> None:
    doc = action()
    assert doc["runs"]["using"] == "composite"
    scripts = [s["run"] for s in doc["runs"]["steps"] if "run" in s]
    assert all("${{" not in s for s in scripts)  # inputs reach scripts through env only (no script injection)
    assert all(s["shell"] == "bash" for s in doc["runs"]["steps"] if "run" in s)
    assert "validate -o sarif" in step(doc, "validate")["run"]
    assert '"origin/$BASE"' in step(doc, "diff")["run"] and "$GITHUB_STEP_SUMMARY" in step(doc, "diff")["run"]
    for s in doc["runs"]["steps"]:  # every input a step reads exists
        for ref in re.findall(r"inputs\.([\w-]+)", json.dumps(s)):
            assert ref in doc["inputs"], ref


def test_the_installed_package_has_every_subpackage() -> None:
    """The action pip-installs the checkout: a package missing from setup.cfg would be missing there."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    pkg = ROOT / "kubectl_imagewatch"
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in pkg.rglob("__init__.py")}
    assert found <= listed, found - listed


def test_readme_workflow_uses_real_inputs() -> None:
    from ruamel.yaml import YAML

    readme = (ROOT / "README.md").read_text()
    block = readme.split("### Pull requests", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    steps = YAML(typ="safe", pure=True).load(block)["jobs"]["imagewatch"]["steps"]
    ours = next(s for s in steps if s["uses"].startswith("kubectl-imagewatch/kubectl-imagewatch@"))
    assert set(ours["with"]) <= set(action()["inputs"])
    upload = next(s for s in steps if s["uses"].startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == action()["inputs"]["sarif-file"]["default"]
