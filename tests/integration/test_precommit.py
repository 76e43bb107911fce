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
