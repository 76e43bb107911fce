"""The update engine on golden repositories: expected-imagewatch/ (deliberate divergence) wins over
expected-minimal/ (Flux minus its reformatting), then expected/ (Flux's bytes)."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from kubectl_imagewatch.manifests import inventory
from kubectl_imagewatch.automation import plan as updater
from kubectl_imagewatch.automation.result import LatestRef
from tests.conftest import CASES, flux_objects

CASE_DIRS = sorted(p for p in (CASES / "update").iterdir() if (p / "input").is_dir())


def tree(root: Path) -> dict[str, bytes]:
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = Path(d) / f
            if not p.is_symlink():
                out[str(p.relative_to(root))] = p.read_bytes()
    return out


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_update_case(case: Path, tmp_path: Path) -> None:
    import yaml

    meta = json.loads((case / "case.json").read_text()) if (case / "case.json").exists() else {}
    ns = meta.get("automationNamespace", "flux-system")
    repo = tmp_path / "repo"
    shutil.copytree(case / "input", repo, symlinks=True)
    policies = json.loads((case / "policies.json").read_text())
    upd = {"path": "./", "strategy": "Setters"}
    if (case / "automation.json").exists():
        upd.update(json.loads((case / "automation.json").read_text()))
    sel = None
    if (case / "automation.yaml").exists():
        sel = (yaml.safe_load((case / "automation.yaml").read_text()).get("spec") or {}).get("policySelector")
    auto = {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
            "metadata": {"name": "conformance", "namespace": ns},
            "spec": {"interval": "1h", "sourceRef": {"kind": "GitRepository", "name": "repo"},
                     "git": {"commit": {"author": {"email": "bot@example.com"}}}, "update": upd,
                     **({"policySelector": sel} if sel else {})}}
    (tmp_path / "flux.yaml").write_text(flux_objects(policies, auto))
    inv = inventory.build([str(tmp_path / "flux.yaml")])
    refs = {k: LatestRef(v["image"], v["tag"], v.get("digest")) for k, v in policies.items()}
    plan = updater.plan(inv, refs, str(repo))
    if meta.get("fluxError"):
        assert not plan.ok
        assert plan.apply() == []
        assert tree(repo) == tree(case / "input")
        return
    assert plan.ok, [a.error for a in plan.automations]
    plan.apply()
    target = next(case / d for d in ("expected-imagewatch", "expected-minimal", "expected") if (case / d).is_dir())
    assert tree(repo) == tree(target)
    if target.name != "expected-imagewatch" and (case / "expected-changes.json").exists():
        want = sorted((c["oldValue"], c["newValue"], c["setter"], c["repoFile"])
                      for c in json.loads((case / "expected-changes.json").read_text()))
        got = sorted((c["oldValue"], c["newValue"], c["setter"], c["repoFile"]) for c in plan.changes_json())
        assert got == want
    for skipped in meta.get("skippedFiles") or []:
        assert any(skipped in w for w in plan.warnings), plan.warnings


@pytest.mark.parametrize("case,needle", [("digest-marker-without-digest", "no reflected digest"),
                                         ("kind-list-unwrapped", "Flux would write each item to a new file"),
                                         ("null-value-marker", "Flux would write '!!null")])
def test_flux_quirks_are_reported(case: str, needle: str, tmp_path: Path) -> None:
    d = CASES / "update" / case
    repo = tmp_path / "repo"
    shutil.copytree(d / "input", repo)
    policies = json.loads((d / "policies.json").read_text())
    auto = {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
            "metadata": {"name": "a", "namespace": "flux-system"},
            "spec": {"interval": "1h", "sourceRef": {"kind": "GitRepository", "name": "r"},
                     "git": {"commit": {"author": {"email": "b@e"}}}, "update": {"strategy": "Setters"}}}
    (tmp_path / "f.yaml").write_text(flux_objects(policies, auto))
    inv = inventory.build([str(tmp_path / "f.yaml")])
    refs = {k: LatestRef(v["image"], v["tag"], v.get("digest")) for k, v in policies.items()}
    plan = updater.plan(inv, refs, str(repo))
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
    auto = {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
            "metadata": {"name": "a", "namespace": "flux-system"},
            "spec": {"interval": "1h", "sourceRef": {"kind": "GitRepository", "name": "r"},
                     "git": {"commit": {"author": {"email": "b@e"}}}, "update": {"strategy": "Setters", "path": "./apps"}}}
    (tmp_path / "f.yaml").write_text(flux_objects({"flux-system:app": {"image": "ghcr.io/acme/app", "tag": "1.2.0"}}, auto))
    plan = updater.plan(inventory.build([str(tmp_path / "f.yaml")]), {"flux-system:app": LatestRef("ghcr.io/acme/app",
                                                                                                    "1.2.0")}, str(repo))
    assert plan.ok
    plan.apply()
    assert "1.2.0" in (repo / "base/app.yaml").read_text()  # through the link inside the repository
    assert os.path.islink(repo / "apps/app.yaml")
    assert "1.1.0" in outside.read_text()  # never written outside the repository
    assert any("outside the repository" in w for w in plan.warnings)
    assert any("outside update.path" in w for w in plan.warnings)


REFORMAT_CASES = [p for p in CASE_DIRS if (p / "case.json").exists()
                  and isinstance(json.loads((p / "case.json").read_text()).get("fluxReformats"), bool)]


@pytest.mark.parametrize("case", REFORMAT_CASES, ids=[p.name for p in REFORMAT_CASES])
def test_says_when_flux_would_reformat(case: Path, tmp_path: Path) -> None:
    """Flux re-serialises files it updates; the plan notes it exactly where Flux's bytes differ."""
    meta = json.loads((case / "case.json").read_text())
    repo = tmp_path / "repo"
    shutil.copytree(case / "input", repo)
    policies = json.loads((case / "policies.json").read_text())
    upd = {"path": "./", "strategy": "Setters"}
    if (case / "automation.json").exists():
        upd.update(json.loads((case / "automation.json").read_text()))
    auto = {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
            "metadata": {"name": "a", "namespace": meta.get("automationNamespace", "flux-system")},
            "spec": {"interval": "1h", "sourceRef": {"kind": "GitRepository", "name": "r"},
                     "git": {"commit": {"author": {"email": "b@e"}}}, "update": upd}}
    (tmp_path / "f.yaml").write_text(flux_objects(policies, auto))
    refs = {k: LatestRef(v["image"], v["tag"], v.get("digest")) for k, v in policies.items()}
    plan = updater.plan(inventory.build([str(tmp_path / "f.yaml")]), refs, str(repo))
    assert bool(plan.notes) == meta["fluxReformats"], plan.notes
