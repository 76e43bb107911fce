"""`pre-commit try-repo` against a sample GitOps repository: the hook runs and fails on a bad range."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_pre_commit_try_repo(tmp_path: Path) -> None:
    from tests.conftest import need

    exe = shutil.which("pre-commit")
    need("pre-commit", exe is not None, "pip install pre-commit")
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@e", PRE_COMMIT_HOME=str(tmp_path / "cache"))
    src = tmp_path / "src"  # a committed snapshot of this project: try-repo installs from git
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".hypothesis"))
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "snapshot"]):
        subprocess.run(["git", *cmd], cwd=src, check=True, env=env, capture_output=True)
    repo = tmp_path / "gitops"
    shutil.copytree(ROOT / "examples", repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    ok = subprocess.run([exe, "try-repo", str(src), "imagewatch-validate", "--all-files"], cwd=repo, env=env,
                        capture_output=True, text=True, timeout=600)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    pol = repo / "flux-system/image-automation.yaml"
    pol.write_text(pol.read_text().replace(">=6.0.0 <7.0.0", ">=6.0.0 <"))
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    bad = subprocess.run([exe, "try-repo", str(src), "imagewatch-validate", "--files", str(pol.relative_to(repo))],
                         cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert bad.returncode == 1
    assert "IW204" in bad.stdout


def test_commit_hook_blocks_what_breaks_markers(tmp_path: Path) -> None:
    """`pre-commit install` in a GitOps repository: a commit that only deletes the ImagePolicy file (no file is
    passed to the hook) and a commit of a single-quoted marker are refused, with the reason shown."""
    from tests.conftest import need

    exe = shutil.which("pre-commit")
    need("pre-commit", exe is not None, "pip install pre-commit")
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@e", PRE_COMMIT_HOME=str(tmp_path / "cache"))
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".hypothesis", "dist"))

    def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=cwd, check=check, env=env, capture_output=True, text=True,
                              timeout=600)

    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "snapshot"]):
        git(src, *cmd)
    sha = git(src, "rev-parse", "HEAD").stdout.strip()
    repo = tmp_path / "gitops"
    shutil.copytree(ROOT / "examples", repo)
    auto = repo / "flux-system/image-automation.yaml"
    docs = auto.read_text().split("---\n")
    pol = next(d for d in docs if "kind: ImagePolicy" in d)
    auto.write_text("---\n".join(d for d in docs if d is not pol))
    (repo / "flux-system/policy.yaml").write_text(pol)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {src}\n  rev: {sha}\n  hooks: [{{id: imagewatch-validate}}]\n")
    git(repo, "init", "-q")
    subprocess.run([exe, "install"], cwd=repo, env=env, check=True, capture_output=True, timeout=120)
    git(repo, "add", "-A")
    first = git(repo, "commit", "-qm", "init", check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    git(repo, "rm", "-q", "flux-system/policy.yaml")
    gone = git(repo, "commit", "-qm", "drop the policy", check=False)
    assert gone.returncode != 0, gone.stdout + gone.stderr
    shown = gone.stdout + gone.stderr
    assert "apps/podinfo/deployment.yaml:18:53: error IW403" in shown, shown
    assert "broken by the staged change: it deletes flux-system/policy.yaml" in shown
    git(repo, "reset", "-q", "--hard")
    dep = repo / "apps/podinfo/deployment.yaml"
    dep.write_text(dep.read_text().replace('# {"$imagepolicy": "flux-system:podinfo"}',
                                           "# {'$imagepolicy': 'flux-system:podinfo'}"))
    git(repo, "add", "-A")
    quoted = git(repo, "commit", "-qm", "single quotes", check=False)
    shown = quoted.stdout + quoted.stderr
    assert quoted.returncode != 0 and "error IW401 Flux ignores this marker: not JSON: use double quotes" in shown, shown
