"""The update engine on golden repositories: expected-imagewatch/ (deliberate divergence) wins over
expected-minimal/ (Flux minus its reformatting), then expected/ (Flux's bytes)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Optional

import pytest

from kubectl_imagewatch.automation import plan as updater
from kubectl_imagewatch.automation.result import LatestRef
from kubectl_imagewatch.manifests import inventory
from tests.conftest import CASES, flux_objects

CASE_DIRS = sorted(p for p in (CASES / "update").iterdir() if (p / "input").is_dir())


def automation(update: Optional[dict] = None, ns: str = "flux-system", selector: Optional[dict] = None) -> dict:
    """An ImageUpdateAutomation `<ns>/a` with the Setters strategy and the given spec.update fields."""
    spec: dict = {"interval": "1h", "sourceRef": {"kind": "GitRepository", "name": "repo"},
                  "git": {"commit": {"author": {"email": "bot@example.com"}}},
                  "update": {"strategy": "Setters", **(update or {})}}
    if selector:
        spec["policySelector"] = selector
    return {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
            "metadata": {"name": "a", "namespace": ns}, "spec": spec}


def meta(case: Path) -> dict:
    return json.loads((case / "case.json").read_text()) if (case / "case.json").exists() else {}


def plan_case(case: Path, tmp_path: Path, update: Optional[dict] = None) -> tuple[Path, updater.UpdatePlan]:
    """Copy the case's input/ to tmp_path/repo and plan its policies with the case's automation."""
    import yaml

    repo = tmp_path / "repo"
    shutil.copytree(case / "input", repo, symlinks=True)
    policies = json.loads((case / "policies.json").read_text())
    upd = dict(update if update is not None else {"path": "./"})
    if update is None and (case / "automation.json").exists():
        upd.update(json.loads((case / "automation.json").read_text()))
    sel = None
    if (case / "automation.yaml").exists():
        sel = (yaml.safe_load((case / "automation.yaml").read_text()).get("spec") or {}).get("policySelector")
    auto = automation(upd, meta(case).get("automationNamespace", "flux-system"), sel)
    (tmp_path / "flux.yaml").write_text(flux_objects(policies, auto))
    refs = {k: LatestRef(v["image"], v["tag"], v.get("digest")) for k, v in policies.items()}
    return repo, updater.plan(inventory.build([str(tmp_path / "flux.yaml")]), refs, str(repo))


def tree(root: Path) -> dict[str, bytes]:
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = Path(d) / f
            if not p.is_symlink():
                out[str(p.relative_to(root))] = p.read_bytes()
    return out


def changes(rows: list[dict]) -> list[tuple]:
    return sorted((c["oldValue"], c["newValue"], c["setter"], c["repoFile"]) for c in rows)


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_update_case(case: Path, tmp_path: Path) -> None:
    repo, plan = plan_case(case, tmp_path)
    if meta(case).get("fluxError"):
        assert not plan.ok
        assert plan.apply() == []
        assert tree(repo) == tree(case / "input")
        return
    assert plan.ok, [a.error for a in plan.automations]
    plan.apply()
    target = next(case / d for d in ("expected-imagewatch", "expected-minimal", "expected") if (case / d).is_dir())
    assert tree(repo) == tree(target)
    if target.name != "expected-imagewatch" and (case / "expected-changes.json").exists():
        assert changes(plan.changes_json()) == changes(json.loads((case / "expected-changes.json").read_text()))
    for skipped in meta(case).get("skippedFiles") or []:
        assert any(skipped in w for w in plan.warnings), plan.warnings


@pytest.mark.parametrize("case,needle", [("digest-marker-without-digest", "no reflected digest"),
                                         ("kind-list-unwrapped", "Flux would write each item to a new file"),
                                         ("null-value-marker", "Flux would write '!!null")])
def test_flux_quirks_are_reported(case: str, needle: str, tmp_path: Path) -> None:
    _, plan = plan_case(CASES / "update" / case, tmp_path, update={})
    assert any(needle in w for w in plan.warnings), plan.warnings


def test_symlinks_real(tmp_path: Path) -> None:
    """The shared fixtures lost their links; these are real: inside the repo followed, outside refused."""
    repo = tmp_path / "repo"
    (repo / "base").mkdir(parents=True)
    (repo / "apps").mkdir()
    marked = 'kind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/app:1.1.0 # {"$imagepolicy": "flux-system:app"}\n'
    (repo / "base/app.yaml").write_text(marked)
    os.symlink("../base/app.yaml", repo / "apps/app.yaml")
    outside = tmp_path / "outside.yaml"
    outside.write_text(marked)
    os.symlink(str(outside), repo / "apps/evil.yaml")
    os.symlink("../nowhere.yaml", repo / "apps/dangling.yaml")
    os.symlink("../base", repo / "apps/dirlink")
    (tmp_path / "f.yaml").write_text(flux_objects({"flux-system:app": {"image": "ghcr.io/acme/app", "tag": "1.2.0"}},
                                                  automation({"path": "./apps"})))
    plan = updater.plan(inventory.build([str(tmp_path / "f.yaml")]),
                        {"flux-system:app": LatestRef("ghcr.io/acme/app", "1.2.0")}, str(repo))
    assert plan.ok
    plan.apply()
    assert "1.2.0" in (repo / "base/app.yaml").read_text()  # through the link inside the repository
    assert os.path.islink(repo / "apps/app.yaml")
    assert "1.1.0" in outside.read_text()  # never written outside the repository
    assert any("outside the repository" in w for w in plan.warnings)
    assert any("outside update.path" in w for w in plan.warnings)


REFORMAT_CASES = [p for p in CASE_DIRS if isinstance(meta(p).get("fluxReformats"), bool)]


@pytest.mark.parametrize("case", REFORMAT_CASES, ids=[p.name for p in REFORMAT_CASES])
def test_says_when_flux_would_reformat(case: Path, tmp_path: Path) -> None:
    """Flux re-serialises files it updates; the plan notes it exactly where Flux's bytes differ."""
    _, plan = plan_case(case, tmp_path)
    assert bool(plan.notes) == meta(case)["fluxReformats"], plan.notes
