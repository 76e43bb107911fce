"""simulate on a terminal says it is scanning before the first registry answers (a slow registry may
take seconds); the registry here holds its answer until the word has appeared on the terminal."""
from __future__ import annotations

import http.server
import os
import pty
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import ROOT

POLICY = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {name: app, namespace: flux-system}
spec: {image: 127.0.0.1:PORT/x/app, interval: 5m, insecure: true}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {name: app, namespace: flux-system}
spec: {imageRepositoryRef: {name: app}, policy: {semver: {range: '*'}}}
"""


def test_progress_before_the_first_answer(tmp_path: Path) -> None:
    seen = threading.Event()

    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.wait(20)  # the answer waits until the terminal showed progress (or the test gives up)
            body = b'{"name": "x/app", "tags": ["1.0.0", "1.1.0"]}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    (tmp_path / "p.yaml").write_text(POLICY.replace("PORT", str(srv.server_address[1])))
    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_PROXY="*", no_proxy="*")
    proc = subprocess.Popen([sys.executable, "-m", "kubectl_imagewatch", "simulate", str(tmp_path / "p.yaml")],
                            stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
    os.close(slave)
    err = b""
    try:
        end = time.monotonic() + 20
        while b"scanning 1 repository" not in err and time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    err += os.read(master, 4096)
                except OSError:
                    break
        first_word = b"scanning 1 repository (1 at a time)..." in err
        seen.set()
        out, _ = proc.communicate(timeout=30)
    finally:
        seen.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        os.close(master)
        srv.shutdown()
        srv.server_close()
    assert first_word, err
    assert proc.returncode == 0 and b"latest: 127.0.0.1:" in out, out
