#!/usr/bin/env python3
"""Start Debian's docker-registry on 127.0.0.1:5000 holding the example tags, until interrupted.

usage: scripts/demo_registry.py [PORT]   (needs: apt-get install docker-registry)
"""
from __future__ import annotations

import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration import servers  # noqa: E402


def main() -> int:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    servers.free_port = lambda: port  # type: ignore[assignment]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill %1`: stop the registry, remove its storage
    with tempfile.TemporaryDirectory(prefix="iw-demo-registry-") as storage:
        reg = servers.Registry(Path(storage))
        try:
            from kubectl_imagewatch.reflector import tagfile

            tags = list(tagfile.load(str(ROOT / "examples/tags.yaml")).entries["flux-system/podinfo"])
            reg.push("stefanprodan/podinfo", tags)
            print(f"registry on {reg.base} with {len(tags)} tags of stefanprodan/podinfo; Ctrl-C stops it", flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            reg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
