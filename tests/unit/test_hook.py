"""The pre-commit hook (`validate --repo-context`): markers Flux ignores fail it and say why, and a
staged change that breaks markers in other files (a deleted, renamed or moved ImagePolicy, a changed
kustomization namespace) is reported at those files' lines, naming the change (real git repositories)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kubectl_imagewatch import api
from tests.conftest import ROOT, invoke

ENV = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e")
POLICY = "flux-system/policy.yaml"
MARKED = ("apps/podinfo/deployment.yaml", "apps/podinfo/kustomization.yaml")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=ENV, check=True, capture_output=True, text=True).stdout


def gitops(tmp_path: Path) -> Path:
    """examples/ as a committed repository, its ImagePolicy in a file of its own."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo)
    auto = repo / "flux-system/image-automation.yaml"
    docs = auto.read_text().split("---\n")
    pol = next(d for d in docs if "kind: ImagePolicy" in d)
    auto.write_text("---\n".join(d for d in docs if d is not pol))
    (repo / POLICY).write_text(pol)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    return repo


def hook(repo: Path, *files: str) -> list[tuple[str, str, int, str]]:
    here = os.getcwd()
    os.chdir(repo)  # pre-commit runs hooks at the repository's top level
    try:
        rep = api.validate([str(repo / f) for f in files], api.ValidateOptions(repo_context=True))
    finally:
        os.chdir(here)
    return sorted((f.check, os.path.relpath(f.path, repo), f.line, f.message) for f in rep.findings)


# --- broken markers Flux ignores are errors ------------------------------------------------------

@pytest.mark.parametrize("comment,check,why,fix", [
    ('# {"$imagePolicy": "flux-system:podinfo"}', "IW401", "must be exactly \"$imagepolicy\" (case-sensitive)",
     "all lower case"),
    ("# {'$imagepolicy': 'flux-system:podinfo'}", "IW401", "use double quotes", "double quotes"),
    ('# {"$imagepolicy": "flux-system:podinfo"} # bump', "IW401", "not a JSON object", "one JSON object"),
])
def test_markers_flux_ignores_fail_the_hook(tmp_path: Path, comment: str, check: str, why: str, fix: str) -> None:
    repo = gitops(tmp_path)
    dep = repo / MARKED[0]
    dep.write_text(dep.read_text().replace('# {"$imagepolicy": "flux-system:podinfo"}', comment))
    git(repo, "add", "-A")
    r = invoke("validate", "--repo-context", MARKED[0], cwd=str(repo))
    assert r.code == 1, r.out
    assert f"{MARKED[0]}:18:" in r.out and f"error {check} Flux ignores this marker" in r.out and why in r.out
    assert fix in r.out  # the hint fits the mistake


def test_wrong_case_marker_alone_in_a_file_is_read(tmp_path: Path) -> None:
    """A file whose only marker has the wrong key case holds no `"$imagepolicy"` token: still screened in."""
    (tmp_path / "d.yaml").write_text('image: ghcr.io/a/b:1.0 # {"$IMAGEPOLICY": "flux-system:b"}\n')
    rep = api.validate([str(tmp_path)])
    assert [(f.check, f.severity.value) for f in rep.findings] == [("IW401", "error")]


def test_misplaced_marker_is_an_error_and_prose_stays_silent(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(
        "# the image below is bumped by Flux's $imagepolicy markers\n"
        "spec:\n"
        '  # {"$imagepolicy": "flux-system:b"}\n'
        "  image: ghcr.io/a/b:1.0\n")
    rep = api.validate([str(tmp_path / "d.yaml")])
    assert [(f.check, f.line, f.severity.value) for f in rep.findings] == [("IW405", 3, "error")]
    assert "end of the value's line" in rep.findings[0].hint


# --- the staged change breaks markers elsewhere ---------------------------------------------------

def _broken(found: list, why: str) -> None:
    marked = [(c, p, line) for c, p, line, _ in found if p in MARKED]
    assert marked == [("IW403", MARKED[0], 18), ("IW403", MARKED[1], 8), ("IW403", MARKED[1], 9)], found
    assert all(why in m for _, p, _, m in found if p in MARKED), found


def test_deleting_the_policy_file(tmp_path: Path) -> None:
    repo = gitops(tmp_path)
    git(repo, "rm", "-q", POLICY)
    # pre-commit passes no file for a commit that only deletes: the hook reads the index
    _broken(hook(repo), f"broken by the staged change: it deletes {POLICY}, which defined ImagePolicy flux-system/podinfo")
    r = invoke("validate", "--repo-context", cwd=str(repo))
    assert r.code == 1 and f"{MARKED[0]}:18:53: error IW403" in r.out and "is not staged" in r.out



def test_deleting_a_file_defining_a_repository_and_a_policy_of_one_name(tmp_path: Path) -> None:
    """Markers name the ImagePolicy: the reason names it, not the ImageRepository beside it."""
    repo = gitops(tmp_path)
    auto = repo / "flux-system/image-automation.yaml"
    docs = auto.read_text().split("---\n")
    imgrepo = next(d for d in docs if "kind: ImageRepository" in d)
    auto.write_text("---\n".join(d for d in docs if d is not imgrepo))
    pol = repo / POLICY
    pol.write_text(imgrepo.rstrip("\n") + "\n---\n" + pol.read_text())
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "repository beside its policy")
    git(repo, "rm", "-q", POLICY)
    _broken(hook(repo), f"it deletes {POLICY}, which defined ImagePolicy flux-system/podinfo")

def test_renaming_the_policy(tmp_path: Path) -> None:
    repo = gitops(tmp_path)
    pol = repo / POLICY
    pol.write_text(pol.read_text().replace("name: podinfo\n  namespace", "name: podinfo-app\n  namespace"))
    git(repo, "add", "-A")
    _broken(hook(repo, POLICY), f"ImagePolicy flux-system/podinfo is renamed to flux-system/podinfo-app in {POLICY}")


def test_moving_the_policy_to_another_namespace(tmp_path: Path) -> None:
    repo = gitops(tmp_path)
    pol = repo / POLICY
    pol.write_text(pol.read_text().replace("namespace: flux-system", "namespace: apps"))
    git(repo, "add", "-A")
    _broken(hook(repo, POLICY), "ImagePolicy podinfo moves from namespace flux-system to apps")


def test_a_kustomization_namespace_change(tmp_path: Path) -> None:
    repo = gitops(tmp_path)
    pol = repo / POLICY
    pol.write_text(pol.read_text().replace("  namespace: flux-system\n", ""))
    (repo / "flux-system/kustomization.yaml").write_text("namespace: flux-system\nresources: [policy.yaml]\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "namespace from kustomize")
    (repo / "flux-system/kustomization.yaml").write_text("namespace: apps\nresources: [policy.yaml]\n")
    git(repo, "add", "-A")
    _broken(hook(repo, "flux-system/kustomization.yaml"), "ImagePolicy podinfo moves from namespace flux-system to apps")


def test_unrelated_and_unstaged_changes_report_nothing_elsewhere(tmp_path: Path) -> None:
    repo = gitops(tmp_path)
    (repo / "apps/podinfo/deployment.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    git(repo, "add", "-A")  # removes markers: nothing breaks elsewhere
    assert hook(repo, MARKED[0]) == []
    pol = repo / POLICY
    pol.write_text(pol.read_text().replace("name: podinfo\n  namespace", "name: other\n  namespace"))  # not staged
    assert [c for c, p, _, _ in hook(repo, MARKED[0]) if p != POLICY] == []
    assert hook(repo) == []  # nothing staged that breaks anything


def test_a_staged_symlink_to_a_fifo_does_not_hang(tmp_path: Path) -> None:
    repo = gitops(tmp_path)
    os.mkfifo(tmp_path / "fifo")
    os.symlink(tmp_path / "fifo", repo / "apps/link.yaml")
    git(repo, "add", "-A")
    found = hook(repo, "apps/link.yaml")  # returns at all: nothing opens the FIFO
    assert [(c, p) for c, p, _, _ in found if p != "apps/link.yaml"] == [], found


def test_deleting_a_policy_whose_namespace_comes_from_kustomize(tmp_path: Path) -> None:
    repo = gitops(tmp_path)
    pol = repo / POLICY
    pol.write_text(pol.read_text().replace("  namespace: flux-system\n", ""))
    (repo / "flux-system/kustomization.yaml").write_text("namespace: apps\nresources: [policy.yaml]\n")
    for m in MARKED:
        (repo / m).write_text((repo / m).read_text().replace("flux-system:podinfo", "apps:podinfo"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "namespace from kustomize")
    git(repo, "rm", "-q", POLICY)  # the kustomization still lists it: at HEAD it was apps/podinfo
    _broken(hook(repo), f"it deletes {POLICY}, which defined ImagePolicy apps/podinfo")


def test_a_policy_change_reads_only_the_changed_files_from_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubectl_imagewatch.review import revision

    def whole_tree(*args: object) -> None:
        raise AssertionError("HEAD's whole tree read for a change that touches no kustomization")
    monkeypatch.setattr(revision, "materialise", whole_tree)
    repo = gitops(tmp_path)
    git(repo, "mv", POLICY, "flux-system/policies.yaml")
    pol = repo / "flux-system/policies.yaml"
    pol.write_text(pol.read_text().replace("name: podinfo\n  namespace", "name: podinfo-app\n  namespace"))
    git(repo, "add", "-A")
    _broken(hook(repo, "flux-system/policies.yaml"), "broken by the staged change")
