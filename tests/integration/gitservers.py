"""Real git remotes on 127.0.0.1: bare repositories behind `git daemon`, smart HTTP (git
http-backend as CGI, optional Basic auth) and sshd on a high port with generated keys."""
from __future__ import annotations

import base64
import os
import shutil
import subprocess
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit
import threading

from tests.integration.servers import free_port, wait_port

GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="dev", GIT_AUTHOR_EMAIL="dev@example.com", GIT_COMMITTER_NAME="dev",
               GIT_COMMITTER_EMAIL="dev@example.com")


def git(*args: str, cwd: Optional[Path] = None) -> str:
    p = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=GIT_ENV)
    if p.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {p.stderr}")
    return p.stdout.strip()


def bare_repo(root: Path, name: str, content: Path, branch: str = "main") -> Path:
    """A bare repository `name` holding `content` as one commit on `branch`."""
    bare = root / name
    git("init", "-q", "--bare", "-b", branch, str(bare))
    git("-C", str(bare), "config", "http.receivepack", "true")
    work = root / (name + ".seed")
    shutil.copytree(content, work)
    git("init", "-q", "-b", branch, cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-qm", "initial", cwd=work)
    git("push", "-q", str(bare), f"HEAD:refs/heads/{branch}", cwd=work)
    shutil.rmtree(work)
    return bare


class GitDaemon:
    def __init__(self, base: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(["git", "daemon", "--listen=127.0.0.1", f"--port={self.port}",
                                      f"--base-path={base}", "--export-all", "--enable=receive-pack", "--reuseaddr",
                                      str(base)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)


class GitHTTP:
    """git http-backend behind http.server; chunked request bodies; optional Basic user:password."""

    def __init__(self, root: Path, cred: Optional[str] = None) -> None:
        backend = os.path.join(subprocess.check_output(["git", "--exec-path"], text=True).strip(), "git-http-backend")
        self.requests: list[str] = []
        me = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *a: Any) -> None:
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    parts = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(parts)
                        parts.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _handle(self) -> None:
                body = self._body()
                me.requests.append(f"{self.command} {self.path} auth={bool(self.headers.get('Authorization'))}")
                if cred:
                    h = self.headers.get("Authorization", "")
                    if not h.startswith("Basic ") or base64.b64decode(h[6:]).decode() != cred:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="git"')
                        self.send_header("Content-Length", "0")
                        self._close()
                        return
                u = urlsplit(self.path)
                env = dict(os.environ, GIT_PROJECT_ROOT=str(root), GIT_HTTP_EXPORT_ALL="1",
                           REQUEST_METHOD=self.command, PATH_INFO=u.path, QUERY_STRING=u.query,
                           CONTENT_LENGTH=str(len(body)), CONTENT_TYPE=self.headers.get("Content-Type", ""),
                           REMOTE_ADDR="127.0.0.1", REMOTE_USER=cred.split(":")[0] if cred else "anonymous",
                           HTTP_CONTENT_ENCODING=self.headers.get("Content-Encoding", ""),
                           GIT_PROTOCOL=self.headers.get("Git-Protocol", ""))
                out = subprocess.run([backend], input=body, env=env, capture_output=True).stdout
                head, _, data = out.partition(b"\r\n\r\n")
                status, headers = 200, []
                for line in head.decode().split("\r\n"):
                    k, _, v = line.partition(": ")
                    if k.lower() == "status":
                        status = int(v.split()[0])
                    elif k:
                        headers.append((k, v))
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self._close()
                self.wfile.write(data)

            def _close(self) -> None:
                # one request per connection: no keep-alive reuse racing a busy CI machine
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SSHD:
    def __init__(self, d: Path) -> None:
        sshd = shutil.which("sshd") or "/usr/sbin/sshd"
        from tests.conftest import need

        need("sshd", os.path.exists(sshd), "apt-get install openssh-server")
        self.dir = d / "ssh"
        self.dir.mkdir()
        for k in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.dir / k)], check=True)
        shutil.copy(self.dir / "client_key.pub", self.dir / "authorized_keys")
        os.chmod(self.dir / "authorized_keys", 0o600)
        self.port = free_port()
        os.makedirs("/run/sshd", exist_ok=True)
        (self.dir / "sshd_config").write_text(f"""ListenAddress 127.0.0.1
Port {self.port}
HostKey {self.dir / 'host_key'}
AuthorizedKeysFile {self.dir / 'authorized_keys'}
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PidFile {self.dir / 'sshd.pid'}
LogLevel ERROR
""")
        self.proc = subprocess.Popen([sshd, "-D", "-f", str(self.dir / "sshd_config"), "-E", str(self.dir / "log")])
        wait_port(self.port)
        host_pub = (self.dir / "host_key.pub").read_text().split()
        self.known_hosts = f"[127.0.0.1]:{self.port} {host_pub[0]} {host_pub[1]}\n".encode()
        self.identity = (self.dir / "client_key").read_bytes()

    def url(self, path: Path) -> str:
        return f"ssh://root@127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)
