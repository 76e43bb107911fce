"""kubectl itself finds and runs the installed plugin (real processes)."""
from __future__ import annotations

import shutil
import subprocess

import pytest


def test_kubectl_finds_the_plugin() -> None:
    kubectl = shutil.which("kubectl")
    exe = shutil.which("kubectl-imagewatch")
    if kubectl is None or exe is None:
        pytest.skip("kubectl or the installed entry point is not on PATH")
    p = subprocess.run([kubectl, "imagewatch", "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert "Usage: kubectl imagewatch" in p.stdout and "simulate" in p.stdout
