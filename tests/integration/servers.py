"""Real servers for integration tests: Debian's docker-registry (distribution 2.8) with no auth,
htpasswd Basic, TLS or token auth; a token issuer; a paging/fault-injecting proxy in front of it.
Everything listens on 127.0.0.1 and stops with the test."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import shutil
import socket
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, urlencode, urlsplit

import http.client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, seconds: float = 5.0) -> None:
    """Until something listens on 127.0.0.1:port (servers started as subprocesses)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return
        except OSError:
            time.sleep(0.01)


def self_signed(d: Path, cn: str = "127.0.0.1") -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cp, kp = d / "cert.pem", d / "key.pem"
    cp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    kp.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    return cp, kp


def ca_chain(d: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc)

    def key_pem(k: Any) -> bytes:
        return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(ca_key, hashes.SHA256()))
    out = {"ca": d / "ca.pem"}
    out["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    for who, usage in (("server", ExtendedKeyUsageOID.SERVER_AUTH), ("client", ExtendedKeyUsageOID.CLIENT_AUTH)):
        k = ec.generate_private_key(ec.SECP256R1())
        b = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, who)]))
             .issuer_name(ca_name).public_key(k.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
             .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
        if who == "server":
            b = b.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                critical=False)
        cert = b.sign(ca_key, hashes.SHA256())
        out[f"{who}_cert"] = d / f"{who}.pem"
        out[f"{who}_key"] = d / f"{who}.key"
        out[f"{who}_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        out[f"{who}_key"].write_bytes(key_pem(k))
    return out


def bcrypt_line(user: str, password: str) -> str:
    """An htpasswd line with a bcrypt hash (the only kind distribution accepts)."""
    try:
        import crypt  # deprecated since 3.11, gone in 3.13: then Debian's htpasswd (apache2-utils)

        return f"{user}:{crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))}"
    except ImportError:
        return subprocess.run(["htpasswd", "-Bbn", user, password], capture_output=True, text=True,
                              check=True).stdout.strip()


class Registry:
    """docker-registry serve CONFIG on a free port."""

    def __init__(self, d: Path, auth: str = "", tls: bool = False, users: Optional[dict] = None,
                 token_realm: str = "", signer: Optional[Path] = None, mtls: bool = False, port: int = 0) -> None:
        exe = shutil.which("docker-registry")
        from tests.conftest import need

        need("docker-registry", exe is not None, "apt-get install docker-registry")
        self.port = port or free_port()
        self.d = d
        cfg = ["version: 0.1", "log: {level: error, accesslog: {disabled: true}}", "storage:",
               f"  filesystem: {{rootdirectory: {d / 'data'}}}", "  delete: {enabled: true}", "http:",
               f"  addr: 127.0.0.1:{self.port}", "  secret: test-only"]
        self.scheme = "http"
        self.ca: Optional[Path] = None
        self.pki: dict = {}
        if mtls:
            self.pki = ca_chain(d)
            cfg.append(f"  tls: {{certificate: {self.pki['server_cert']}, key: {self.pki['server_key']}, "
                       f"clientcas: [{self.pki['ca']}]}}")
            self.scheme, self.ca = "https", self.pki["ca"]
        elif tls:
            cp, kp = self_signed(d)
            cfg.append(f"  tls: {{certificate: {cp}, key: {kp}}}")
            self.scheme, self.ca = "https", cp
        if auth == "htpasswd":
            lines = [bcrypt_line(u, p) for u, p in (users or {}).items()]
            (d / "htpasswd").write_text("\n".join(lines) + "\n")
            cfg += ["auth:", "  htpasswd:", "    realm: test-registry", f"    path: {d / 'htpasswd'}"]
        elif auth == "token":
            cfg += ["auth:", "  token:", f"    realm: {token_realm}", "    service: test-registry",
                    "    issuer: test-issuer", f"    rootcertbundle: {signer}"]
        (d / "config.yml").write_text("\n".join(cfg) + "\n")
        self.proc = subprocess.Popen([exe, "serve", str(d / "config.yml")], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_port(self.port)
        self.host = f"127.0.0.1:{self.port}"
        self.base = f"{self.scheme}://{self.host}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)

    def push(self, repo: str, tags: list[str], auth: Optional[tuple] = None, headers: Optional[dict] = None) -> str:
        """One config blob, one OCI manifest, PUT under every tag; returns the manifest digest."""
        import httpx

        cfg = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
        cd = "sha256:" + hashlib.sha256(cfg).hexdigest()
        man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd,
                                     "size": len(cfg)}, "layers": []}).encode()
        verify: Any = True
        if self.ca:
            import ssl

            verify = ssl.create_default_context(cafile=str(self.ca))
            if self.pki:
                verify.load_cert_chain(str(self.pki["client_cert"]), str(self.pki["client_key"]))
        with httpx.Client(base_url=self.base, verify=verify, auth=auth, headers=headers or {}, trust_env=False) as c:
            r = c.post(f"/v2/{repo}/blobs/uploads/")
            r.raise_for_status()
            c.put(httpx.URL(r.headers["Location"]).copy_merge_params({"digest": cd}), content=cfg).raise_for_status()
            for t in tags:
                c.put(f"/v2/{repo}/manifests/{t}", content=man,
                      headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}).raise_for_status()
        return "sha256:" + hashlib.sha256(man).hexdigest()

    def push_fast(self, repo: str, tags: list[str]) -> str:
        """Push one tag over HTTP, then link the rest straight into the store (thousands in ms)."""
        digest = self.push(repo, tags[:1])
        hexd = digest.split(":")[1]
        base = self.d / "data/docker/registry/v2/repositories" / repo / "_manifests/tags"
        for t in tags[1:]:
            for sub in ("current", f"index/sha256/{hexd}"):
                p = base / t / sub
                p.mkdir(parents=True, exist_ok=True)
                (p / "link").write_text(digest)
        return digest


class _Thread:
    def __init__(self, handler: type) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.t = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.t.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class TokenIssuer(_Thread):
    """Docker-style token service: anonymous pull; USERS get pull+push; bad credentials -> 401."""

    def __init__(self, d: Path, users: dict, ttl: int = 300) -> None:
        import jwt
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-token-signer")])
        now = dt.datetime.now(dt.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))
        self.signer = d / "signer.pem"
        self.signer.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
        issuer = self
        self.requests = 0

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:
                issuer.requests += 1
                q = parse_qs(urlsplit(self.path).query)
                user = None
                if self.headers.get("Authorization", "").startswith("Basic "):
                    user, _, pw = base64.b64decode(self.headers["Authorization"][6:]).decode().partition(":")
                    if users.get(user) != pw:
                        self.send_response(401)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                access = []
                for s in q.get("scope", []):
                    typ, nm, acts = s.split(":")
                    allowed = {"pull", "push"} if user else {"pull"}
                    access.append({"type": typ, "name": nm, "actions": [a for a in acts.split(",") if a in allowed]})
                t = int(time.time())
                tok = jwt.encode({"iss": "test-issuer", "sub": user or "", "aud": q.get("service", [""])[0],
                                  "exp": t + ttl, "nbf": t - 10, "iat": t, "jti": uuid.uuid4().hex, "access": access},
                                 key, algorithm="ES256", headers={"x5c": x5c})
                body = json.dumps({"token": tok, "expires_in": ttl}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(H)
        self.realm = f"http://127.0.0.1:{self.port}/token"


Rewrite = Callable[[str, int, list, bytes], tuple[int, list, bytes]]


class PageProxy(_Thread):
    """Tag-list pagination (n, last, Link) in front of distribution 2.8, plus injected faults:
    `faults` is a list of (status, headers) answered, in order, before passing requests through;
    `rewrite(path, status, headers, body)` may change any answer (hostile registries); `drip` sends
    bodies one byte per `drip` seconds (slowloris); `/token` goes to `token_upstream` (a token
    service on the registry's own host:port, as Harbor and GitLab serve it)."""

    def __init__(self, upstream: int, default_n: int = 0, faults: Optional[list] = None,
                 on_request: Optional[Callable[[str], None]] = None, delay: float = 0.0,
                 rewrite: Optional[Rewrite] = None, drip: float = 0.0, token_upstream: int = 0) -> None:
        proxy = self
        self.upstream = upstream
        self.default_n = default_n
        self.faults = list(faults or [])
        self.delay = delay
        self.rewrite = rewrite
        self.drip = drip
        self.token_upstream = token_upstream
        self.log: list[str] = []

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *a: Any) -> None:
                pass

            def _reply(self, status: int, headers: list, data: bytes) -> None:
                if proxy.rewrite is not None:
                    status, headers, data = proxy.rewrite(self.path, status, list(headers), data)
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command == "HEAD":
                    return
                if not proxy.drip:
                    self.wfile.write(data)
                    return
                try:
                    for i in range(len(data)):
                        self.wfile.write(data[i:i + 1])
                        self.wfile.flush()
                        time.sleep(proxy.drip)
                except OSError:
                    pass

            def _any(self) -> None:
                proxy.log.append(f"{self.command} {self.path}")
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                if proxy.delay:
                    time.sleep(proxy.delay)
                if proxy.faults:
                    status, hdrs = proxy.faults.pop(0)
                    return self._reply(status, hdrs, b'{"errors":[{"code":"TOOMANYREQUESTS"}]}')
                u = urlsplit(self.path)
                port = proxy.token_upstream if proxy.token_upstream and u.path == "/token" else proxy.upstream
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length")}
                is_tags = self.command == "GET" and u.path.endswith("/tags/list")
                c.request(self.command, u.path if is_tags else self.path, body=body, headers=hdrs)
                r = c.getresponse()
                data = r.read()
                c.close()
                headers = [(k, v) for k, v in r.getheaders()
                           if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length", "link")]
                if not is_tags or r.status != 200:
                    return self._reply(r.status, headers, data)
                default_n = proxy.default_n
                q = {k: v[-1] for k, v in parse_qs(u.query).items()}
                tags = sorted(json.loads(data).get("tags") or [])
                if "last" in q:
                    tags = [t for t in tags if t > q["last"]]
                limit = min(int(q.get("n") or default_n or 0), default_n or 10**9) if (q.get("n") or default_n) else 0
                if limit and len(tags) > limit:
                    tags = tags[:limit]
                    headers.append(("Link", f'<{u.path}?{urlencode({"n": limit, "last": tags[-1]})}>; rel="next"'))
                name = u.path[len("/v2/"):-len("/tags/list")]
                self._reply(200, headers, json.dumps({"name": name, "tags": tags}).encode())

            do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _any

        super().__init__(H)
        self.host = f"127.0.0.1:{self.port}"


class Recorder(_Thread):
    """A server that records each request's path and Authorization header, and answers with
    `answer(path) -> (status, headers, body)` (default: a Basic challenge): the "other host"."""

    def __init__(self, answer: Optional[Callable[[str], tuple[int, list, bytes]]] = None) -> None:
        rec = self
        self.seen: list[tuple[str, Optional[str]]] = []

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:
                rec.seen.append((self.path, self.headers.get("Authorization")))
                status, headers, body = (answer or (lambda p: (401, [("WWW-Authenticate", 'Basic realm="x"')],
                                                                  b"{}")))(self.path)
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

        super().__init__(H)
        self.host = f"127.0.0.1:{self.port}"


class ForwardProxy(_Thread):
    """A plain HTTP forward proxy (absolute-form requests) with optional Basic proxy auth."""

    def __init__(self, cred: Optional[str] = None) -> None:
        proxy = self
        self.log: list[str] = []

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                pass

            def _authorized(self) -> bool:
                """Proxy Basic auth when the proxy has credentials; answers 407 otherwise."""
                h = self.headers.get("Proxy-Authorization", "")
                if not cred or (h.startswith("Basic ") and base64.b64decode(h[6:]).decode() == cred):
                    return True
                self.send_response(407)
                self.send_header("Proxy-Authenticate", 'Basic realm="proxy"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return False

            def _any(self) -> None:
                if not self._authorized():
                    return
                u = urlsplit(self.path)
                proxy.log.append(f"{self.command} {self.path}")
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
                hdrs = {k: v for k, v in self.headers.items()
                        if k.lower() not in ("proxy-authorization", "proxy-connection", "connection", "content-length")}
                c.request(self.command, u.path + (f"?{u.query}" if u.query else ""), body=body, headers=hdrs)
                r = c.getresponse()
                data = r.read()
                c.close()
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = _any

            def do_CONNECT(self) -> None:  # HTTPS through the proxy: a blind tunnel
                import select

                if not self._authorized():
                    return
                proxy.log.append(f"CONNECT {self.path}")
                host, _, port = self.path.rpartition(":")
                upstream = socket.create_connection((host, int(port)), 10)
                self.send_response(200, "Connection established")
                self.end_headers()
                conns = [self.connection, upstream]
                try:
                    while True:
                        ready, _, _ = select.select(conns, [], [], 10)
                        if not ready:
                            break
                        for c in ready:
                            data = c.recv(65536)
                            if not data:
                                return
                            (upstream if c is self.connection else self.connection).sendall(data)
                finally:
                    upstream.close()
                    self.close_connection = True

        super().__init__(H)
        self.url = f"http://127.0.0.1:{self.port}"
