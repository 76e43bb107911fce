"""The README's one-command loop (scripts/demo_loop.py): local registry + local git remote + run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_demo_loop_pushes(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, str(ROOT / "scripts/demo_loop.py")], capture_output=True, text=True, timeout=300,
                       cwd=ROOT, env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "automation flux-system/apps: pushed" in p.stdout
    assert "apps/podinfo/deployment.yaml    | 2 +-" in p.stdout
    assert list(tmp_path.iterdir()) == []  # the registry's storage is removed


def test_readme_live_registry_block(tmp_path: Path) -> None:
    """README "Live registry": the registry script, then `simulate demo/ --repo-root examples`, verbatim;
    `kill %1` (SIGTERM) stops the registry and removes its storage."""
    import re
    import shutil
    import signal
    import socket

    from tests.conftest import need, run_cli

    need("docker-registry", shutil.which("docker-registry") is not None, "apt-get install docker-registry")
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", 5000)) == 0:
            pytest.skip("port 5000 is in use (the README's registry port)")
    block = re.search(r"### Live registry.*?```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    server, cmd = [re.sub(r"\s+#.*$", "", line).strip() for line in block.strip().splitlines()]
    assert server == "python3 scripts/demo_registry.py &" and cmd.startswith("kubectl imagewatch simulate demo/")
    reg = subprocess.Popen([sys.executable, "scripts/demo_registry.py"], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                           env=dict(os.environ, TMPDIR=str(tmp_path)))
    try:
        assert reg.stdout is not None and "registry on http://127.0.0.1:5000" in reg.stdout.readline()
        r = run_cli(*cmd.split()[2:])
        assert r.code == 0, r.out + r.err
        assert "latest: 127.0.0.1:5000/stefanprodan/podinfo:6.10.1" in r.out and "+    newTag: 6.10.1" in r.out
        assert "warning" not in r.err, r.err
    finally:
        reg.send_signal(signal.SIGTERM)
        try:
            reg.wait(20)
        except subprocess.TimeoutExpired:
            reg.kill()
            reg.wait(5)
    assert reg.returncode == 0
    assert list(tmp_path.iterdir()) == []
