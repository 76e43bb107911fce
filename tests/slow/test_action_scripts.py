"""The composite GitHub Action's scripts run with bash the way the runner runs them (`bash -e`, inputs
through env) against a real clone of a real origin: real processes, so not a unit test."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.unit.test_action import action, step
from tests.unit.test_diff import CASES, GIT_ENV, git, make_repo


def test_scripts_in_a_pull_request_checkout(tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    upstream = make_repo(tmp_path)
    git(tmp_path, "clone", "-q", "--bare", str(upstream), str(origin))
    work = tmp_path / "pr"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{origin}", str(work))
    git(work, "update-ref", "-d", "refs/remotes/origin/main")  # as actions/checkout leaves a PR merge checkout
    CASES["range"][0](work)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "kubectl-imagewatch"
    shim.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m kubectl_imagewatch \"$@\"\n")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    env = dict(GIT_ENV, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", GITHUB_STEP_SUMMARY=str(summary),
               GITHUB_OUTPUT=str(output), BASE="main", PATHS=". ", TAGS_FILE="tags.yaml", SARIF="out.sarif",
               DIFF_FILE=str(tmp_path / "diff.md"))
    doc = action()
    for sid in ("validate", "diff"):
        p = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step(doc, sid)["run"]],
                           cwd=work, env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
    assert json.loads((work / "out.sarif").read_text())["version"] == "2.1.0"
    assert "| changed | `flux-system/podinfo` | `6.10.1` | `7.0.0` |" in summary.read_text()
    assert (tmp_path / "diff.md").read_text() == summary.read_text()
    assert output.read_text().splitlines() == ["exit-code=0", f"diff-file={tmp_path / 'diff.md'}", "moved=true"]
    env["BASE"] = "no-such-branch"
    p = subprocess.run(["bash", "-eo", "pipefail", "-c", step(doc, "diff")["run"]], cwd=work, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode != 0
