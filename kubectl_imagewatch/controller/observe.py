"""What a running controller shows: structured logs on stderr and Prometheus metrics over HTTP.

Every log line goes through `scrub`, so a credential that slipped into an error (a URL's
userinfo, an Authorization header) is redacted here at the latest.
"""
from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, Optional

from kubectl_imagewatch.automation.credentials import scrub


class Logger:
    def __init__(self, fmt: str = "text", stream: Any = None) -> None:
        self.fmt, self.stream = fmt, stream or sys.stderr
        self.lock = threading.Lock()

    def __call__(self, msg: str, fields: Optional[dict] = None, level: str = "info") -> None:
        fields = {k: scrub(v) if isinstance(v, str) else v for k, v in (fields or {}).items() if v is not None}
        msg = scrub(msg)
        if self.fmt == "json":
            line = json.dumps({"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": level,
                               "msg": msg, **fields})
        else:
            line = msg + "".join(f" {k}={v}" for k, v in fields.items())
        with self.lock:
            print(line, file=self.stream, flush=True)


class Null:
    """A stream that drops everything (one pass without --log-format)."""

    def write(self, s: str) -> int:
        return len(s)

    def flush(self) -> None:
        pass


class Metrics:
    def __init__(self) -> None:
        self.counters: dict[tuple, float] = {}
        self.lock = threading.Lock()

    def inc(self, name: str, labels: tuple = (), by: float = 1.0) -> None:
        with self.lock:
            self.counters[(name, labels)] = self.counters.get((name, labels), 0.0) + by

    def set(self, name: str, value: float, labels: tuple = ()) -> None:
        with self.lock:
            self.counters[(name, labels)] = value

    def render(self) -> str:
        with self.lock:
            lines = []
            for (name, labels), v in sorted(self.counters.items()):
                lab = "{" + ",".join(f'{k}="{val}"' for k, val in labels) + "}" if labels else ""
                lines.append(f"{name}{lab} {v:g}")
        return "\n".join(lines) + "\n"

    def serve(self, addr: str) -> Any:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from kubectl_imagewatch.errors import OperationError, UsageError

        host, _, port = addr.rpartition(":")
        if not port.isdigit() or int(port) > 65535:
            raise UsageError(f"--metrics-addr {addr!r}: want HOST:PORT or :PORT")
        metrics = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:
                body = metrics.render().encode() if self.path.startswith("/metrics") else b"ok\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        try:
            srv = ThreadingHTTPServer((host or "0.0.0.0", int(port)), H)
        except OSError as e:
            raise OperationError(f"cannot serve metrics on {addr}: {e.strerror or e}") from None
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        return srv
