"""One repository-root rule (api.resolve_repo_root) for validate, simulate and update, and one
update.path resolution (flux/updatepath.py: Flux's securejoin), as case tables."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

import pytest

from kubectl_imagewatch import api
from kubectl_imagewatch.flux import updatepath
from kubectl_imagewatch.manifests import inventory


def _automation(path: str) -> str:
    return json.dumps({"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
                       "metadata": {"name": "a", "namespace": "flux-system"},
                       "spec": {"interval": "1h", "sourceRef": {"kind": "GitRepository", "name": "r"},
                                "update": {"path": path, "strategy": "Setters"}}}) + "\n"


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """git/ is a repository holding a GitOps tree in gitops/ (apps/ under it) and a flux/ dir;
    plain/ is no repository."""
    (tmp_path / "git/.git").mkdir(parents=True)
    (tmp_path / "git/gitops/apps").mkdir(parents=True)
    (tmp_path / "git/gitops/flux").mkdir()
    (tmp_path / "git/clusters/prod").mkdir(parents=True)
    (tmp_path / "git/gitops/flux/auto.yaml").write_text(_automation("./apps"))
    (tmp_path / "git/clusters/auto.yaml").write_text(_automation("./clusters/prod"))
    (tmp_path / "git/nothing.yaml").write_text("kind: ConfigMap\n")
    (tmp_path / "plain/sub").mkdir(parents=True)
    (tmp_path / "plain/sub/auto.yaml").write_text(_automation("./nowhere"))
    return tmp_path


# (paths, --repo-root, expected root): relative to the layout
ROOT_CASES: list[tuple[list[str], Optional[str], str]] = [
    (["git/gitops"], "git", "git"),  # 1. --repo-root as given, always
    (["git/gitops"], None, "git/gitops"),  # 2. the guess: a given directory under which update.path exists
    (["git/clusters"], None, "git"),  # 2. the guess: the git top level fits
    (["git/gitops/flux/auto.yaml"], None, "git/gitops"),  # 2. ... or the nearest directory above a path
    (["git/gitops/flux"], None, "git/gitops"),  # 2. ... (`simulate examples/flux-system`)
    (["git/clusters/prod"], None, "git"),  # 2. ancestors stop at the git top level, which fits
    (["git/nothing.yaml"], None, "git"),  # 3. no automation: the git top level
    (["plain/sub/auto.yaml"], None, "plain/sub"),  # 4. no repository: the first path's directory
    (["plain/sub"], None, "plain/sub"),  # 4. ... or the first path when it is one
    (["-", "plain/sub"], None, "plain/sub"),  # stdin is not a path
]


@pytest.mark.parametrize("paths,given,want", ROOT_CASES)
def test_resolve_repo_root(layout: Path, paths: list[str], given: Optional[str], want: str) -> None:
    old = os.getcwd()
    os.chdir(layout)
    try:
        inv = inventory.build([p for p in paths if p != "-"])
        assert api.resolve_repo_root(paths, given, inv) == str(layout / want)
    finally:
        os.chdir(old)


def test_three_commands_agree(layout: Path) -> None:
    """validate (IW409 coverage), simulate's preview and update see the same root: git/gitops."""
    marked = 'image: ghcr.io/acme/app:1.0.0 # {"$imagepolicy": "flux-system:app"}\n'
    (layout / "git/gitops/apps/deploy.yaml").write_text(marked)
    objects = [{"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageRepository",
                "metadata": {"name": "app", "namespace": "flux-system"}, "spec": {"image": "ghcr.io/acme/app"}},
               {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy",
                "metadata": {"name": "app", "namespace": "flux-system"},
                "spec": {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": "1.x"}}}}]
    (layout / "git/gitops/flux/policy.yaml").write_text("".join("---\n" + json.dumps(o) + "\n" for o in objects))
    tags = layout / "tags.json"
    tags.write_text(json.dumps({"flux-system/app": ["1.0.0", "1.1.0"]}))
    gitops = str(layout / "git/gitops")
    rep = api.validate([gitops])
    assert not [f for f in rep.findings if f.check == "IW409"], rep.findings
    sim = api.simulate([gitops], api.SimulateOptions(tags_file=str(tags)))
    assert sim.update is not None and [c.repo_file for a in sim.update.automations for c in a.changes] == \
        ["apps/deploy.yaml"]
    res = api.update([gitops], api.UpdateOptions(tags_file=str(tags)))
    assert res.written == ["apps/deploy.yaml"]
    assert "1.1.0" in (layout / "git/gitops/apps/deploy.yaml").read_text()


# update.path -> the target relative to the repository, as securejoin resolves it (links below)
PATH_CASES = [
    ("./apps", "apps"), ("apps/", "apps"), ("", "."), (".", "."), ("./", "."),
    ("../../apps/base/utils/", "apps/base/utils"),  # leading '..' dropped, the rest kept (realworld FP5)
    ("apps/../../../x", "x"), ("/apps", "apps"), ("//apps//base", "apps/base"),
    ("link-abs/y", "etc/y"),  # an absolute link restarts at the root
    ("link-up", "outside"),  # a link climbing out is clamped at the root
    ("link-in/z", "apps/z"), ("loop-a", "loop-a"),  # a link loop: Flux fails; nothing exists there
]


@pytest.mark.parametrize("given,want", PATH_CASES)
def test_update_path_resolution(tmp_path: Path, given: str, want: str) -> None:
    repo = tmp_path / "repo"
    (repo / "apps/base/utils").mkdir(parents=True)
    os.symlink("/etc", repo / "link-abs")
    os.symlink("../../outside", repo / "link-up")
    os.symlink("apps", repo / "link-in")
    os.symlink("loop-b", repo / "loop-a")
    os.symlink("loop-a", repo / "loop-b")
    t = updatepath.resolve(str(repo), given)
    assert t.repo == os.path.realpath(repo)
    assert t.relative == want
    assert updatepath.within(t.path, t.repo)
    assert t.exists == (want in ("apps", ".", "apps/base", "apps/base/utils"))


@pytest.mark.parametrize("name,read", [("a.yaml", True), ("a.yml", True), ("Kustomization", True),
                                       ("a.YAML", False), ("kustomization", False), ("a.json", False),
                                       ("dir/Kustomization", True), (".imagewatch-1-ab.tmp", False)])
def test_flux_reads(name: str, read: bool) -> None:
    from kubectl_imagewatch.manifests.loader import flux_reads

    assert flux_reads(name) is read
