"""The package type-checks (mypy, settings in setup.cfg): annotations are part of the design."""
from __future__ import annotations

import shutil
import subprocess
import sys

from tests.conftest import ROOT, need


def test_mypy_clean() -> None:
    need("mypy", shutil.which("mypy") is not None, "pip install mypy")
    p = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "kubectl_imagewatch"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
