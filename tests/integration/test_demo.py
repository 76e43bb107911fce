"""The README's one-command loop (scripts/demo_loop.py): local registry + local git remote + run."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_demo_loop_pushes() -> None:
    p = subprocess.run([sys.executable, str(ROOT / "scripts/demo_loop.py")], capture_output=True, text=True, timeout=300,
                       cwd=ROOT)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "automation flux-system/apps: pushed" in p.stdout
    assert "apps/podinfo/deployment.yaml    | 2 +-" in p.stdout
