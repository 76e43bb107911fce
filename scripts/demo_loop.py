#!/usr/bin/env python3
"""One full automation loop on this machine: a local registry (Debian docker-registry) with the
example tags on 127.0.0.1:5000, a bare git remote at /tmp/imagewatch-demo/fleet.git holding
examples/apps, then `kubectl-imagewatch run demo/` — scan, select, rewrite, commit, push.

usage: python3 scripts/demo_loop.py        (needs: apt-get install docker-registry git)
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration import gitservers, servers  # noqa: E402


def main() -> int:
    demo = Path("/tmp/imagewatch-demo")
    shutil.rmtree(demo, ignore_errors=True)
    demo.mkdir(parents=True)
    content = demo / "content"
    shutil.copytree(ROOT / "examples", content, ignore=shutil.ignore_patterns("live", "tags.yaml"))
    bare = gitservers.bare_repo(demo, "fleet.git", content)
    servers.free_port = lambda: 5000  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(prefix="iw-demo-registry-") as storage:  # removed afterwards
        reg = servers.Registry(Path(storage))
        try:
            from kubectl_imagewatch.reflector import tagfile

            reg.push("stefanprodan/podinfo", list(tagfile.load(str(ROOT / "examples/tags.yaml")).entries["flux-system/podinfo"]))
            cmd = ["kubectl-imagewatch", "run", str(ROOT / "demo"), "--git-url", f"file://{bare}"]
            print("$ " + " ".join(cmd), flush=True)
            code = subprocess.call(cmd)
            print(f"\n$ git --git-dir {bare} log --stat -1")
            subprocess.call(["git", "--git-dir", str(bare), "log", "--stat", "-1"])
            return code
        finally:
            reg.stop()


if __name__ == "__main__":
    sys.exit(main())
