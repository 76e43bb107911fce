"""The built wheel carries schemas/ and works from another directory (not an editable install)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_wheel_installs_and_validates_elsewhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist),
                        str(ROOT)], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    wheel = next(dist.glob("kubectl_imagewatch-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "kubectl_imagewatch/schemas/imagepolicy_v1.json" in names
    assert "kubectl_imagewatch/schemas/index.json" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    p = subprocess.run([str(venv / "bin/pip"), "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "tests/cases/checks/IW101/bad.yaml").read_text())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = subprocess.run([str(venv / "bin/kubectl-imagewatch"), "validate", str(bad)], capture_output=True, text=True,
                       cwd=elsewhere, env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "PYTHONNOUSERSITE": "1"})
    assert r.returncode == 1, r.stderr
    assert "IW101" in r.stdout
    mod = subprocess.run([str(venv / "bin/python"), "-c", "import kubectl_imagewatch, sys; print(kubectl_imagewatch.__file__)"],
                         capture_output=True, text=True, cwd=elsewhere, env={"PYTHONNOUSERSITE": "1"})
    assert str(venv) in mod.stdout
