"""The release path: kubernetes is a dependency (imported lazily), and scripts/build_krew.py builds the
krew archive (launcher + LICENSE) whose sha256 plugin.yaml carries."""
from __future__ import annotations

import configparser
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType

from tests.conftest import ROOT


def build_krew() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_krew", ROOT / "scripts" / "build_krew.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_kubernetes_is_installed_by_default() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    requires = cfg["options"]["install_requires"].split()
    assert "kubernetes>=28" in requires


def test_archive_and_manifest(tmp_path: Path) -> None:
    mod = build_krew()
    manifest = tmp_path / "plugin.yaml"
    shutil.copy(ROOT / "plugin.yaml", manifest)
    assert mod.main(["--out", str(tmp_path / "dist"), "--manifest", str(manifest)]) == 0
    tag = "v" + mod.version()
    archive = tmp_path / "dist" / f"kubectl-imagewatch-{tag}.tar.gz"
    sha = hashlib.sha256(archive.read_bytes()).hexdigest()
    text = manifest.read_text()
    assert f'sha256: "{sha}"' in text and f"  version: {tag}\n" in text
    assert f"/releases/download/{tag}/kubectl-imagewatch-{tag}.tar.gz" in text
    # the committed manifest is the one a release would publish: same sha256, nothing else differs
    assert text == (ROOT / "plugin.yaml").read_text(), "plugin.yaml is stale: run python3 scripts/build_krew.py"
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == ["LICENSE", "kubectl-imagewatch"]
        assert members["kubectl-imagewatch"].mode == 0o755 and members["LICENSE"].mode == 0o644
        assert tar.extractfile("LICENSE").read() == (ROOT / "LICENSE").read_bytes()  # type: ignore[union-attr]
        tar.extractall(tmp_path / "x")
    # reproducible: a second build is byte-identical
    assert mod.archive(tag) == archive.read_bytes()
    env = dict(os.environ, IMAGEWATCH_PYTHON=sys.executable, PYTHONPATH=str(ROOT), HOME=str(tmp_path))
    run = subprocess.run([str(tmp_path / "x" / "kubectl-imagewatch"), "--version"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and mod.version() in run.stdout, run.stderr
