"""OCI distribution v2 client: tag listing with pagination, digests, auth challenges, retries.

httpx underneath. Bearer tokens (WWW-Authenticate realm/service/scope) are cached per scope until
they expire; Basic is sent where the registry asks for it. Connection errors and 5xx are retried
with backoff, 429 honours Retry-After; 401/403/404 are errors naming the image and the credential
source. A listing that fails part-way raises: a partial tag list is never returned as complete.
"""
from __future__ import annotations

import dataclasses
import re
import ssl
import threading
import time
from typing import Any, Callable, Optional

from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.reflector.registry.auth import Credentials
from kubectl_imagewatch.flux.imageref import api_base, split

MAX_PAGES = 10_000
MAX_TAGS = 1_000_000
PAGE_SIZE = 1000
MANIFEST_ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"])
_CHAL = re.compile(r'(\w+)="([^"]*)"')


@dataclasses.dataclass
class Transport:
    """How to reach one registry: TLS material, proxy, timeout, retry policy."""
    insecure: bool = False
    ca_pem: Optional[bytes] = None
    cert_pem: Optional[bytes] = None
    key_pem: Optional[bytes] = None
    proxy: Optional[str] = None
    timeout: float = 60.0
    retries: int = 4
    backoff: float = 0.5
    sleep: Callable[[float], None] = time.sleep


@dataclasses.dataclass
class Stats:
    requests: int = 0
    token_requests: int = 0
    pages: int = 0


class RegistryClient:
    def __init__(self, image: str, creds: Optional[Credentials] = None, transport: Optional[Transport] = None) -> None:
        import httpx

        self.image = image
        self.host, self.path = split(image)
        self.creds = creds
        self.t = transport or Transport()
        self.base = api_base(self.host, self.t.insecure)
        self.stats = Stats()
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        verify: Any = True
        if not self.t.insecure:
            ctx = ssl.create_default_context()
            try:  # certSecretRef comes from a manifest: anything but PEM is a clear error
                if self.t.ca_pem:
                    ctx.load_verify_locations(cadata=self.t.ca_pem.decode())
            except (ssl.SSLError, ValueError) as e:
                raise OperationError(f"certSecretRef: ca.crt is not a PEM certificate ({e})") from None
            if self.t.cert_pem and self.t.key_pem:
                import os
                import tempfile

                with tempfile.TemporaryDirectory() as d:  # ssl needs files; removed right after loading
                    cp, kp = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
                    with open(cp, "wb") as f:
                        f.write(self.t.cert_pem)
                    with open(kp, "wb") as f:
                        f.write(self.t.key_pem)
                    try:
                        ctx.load_cert_chain(cp, kp)
                    except (ssl.SSLError, ValueError) as e:
                        raise OperationError(f"certSecretRef: tls.crt/tls.key are not a PEM key pair ({e})") from None
            verify = ctx
        try:
            self._http = httpx.Client(verify=verify, timeout=self.t.timeout, proxy=self.t.proxy,
                                      trust_env=self.t.proxy is None, follow_redirects=True)
        except (httpx.InvalidURL, ValueError) as e:
            raise OperationError(f"proxySecretRef: address {self.t.proxy!r} is not a proxy URL ({e})") from None

    @property
    def source(self) -> str:
        return self.creds.source if self.creds else "anonymous"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "RegistryClient":
        return self

    def __exit__(self, *a: Any) -> None:
        self.close()

    # --- requests with auth and retries
    def _send(self, method: str, url: str, scope: str, headers: Optional[dict] = None) -> Any:
        import httpx

        headers = dict(headers or {})
        attempt = 0
        authed = False
        while True:
            tok = self._token(scope)
            h = dict(headers)
            if tok:
                h["Authorization"] = f"Bearer {tok}"
            elif authed and self.creds:
                h["Authorization"] = _basic(self.creds)
            try:
                r = self._http.request(method, url, headers=h)
                self.stats.requests += 1
            except httpx.TransportError as e:
                if attempt >= self.t.retries:
                    raise OperationError(f"{self.image}: cannot reach {self.host}: {type(e).__name__}: {e}") from None
                self.t.sleep(self.t.backoff * (2 ** attempt))
                attempt += 1
                continue
            if r.status_code == 401 and not authed:
                authed = True
                if self._challenge(r, scope):
                    continue
                if self.creds is not None:
                    continue  # Basic challenge: resend with credentials
            if r.status_code == 429 or r.status_code >= 500:
                if attempt >= self.t.retries:
                    raise OperationError(f"{self.image}: registry answered {r.status_code} after {attempt + 1} attempts")
                self.t.sleep(_retry_after(r) if r.status_code == 429 else self.t.backoff * (2 ** attempt))
                attempt += 1
                continue
            if r.status_code in (401, 403):
                raise OperationError(f"{self.image}: {'authentication required' if r.status_code == 401 else 'access denied'} "
                                     f"({r.status_code}) with credentials: {self.source}")
            if r.status_code == 404:
                raise OperationError(f"{self.image}: not found on {self.host} (404)")
            if r.status_code >= 400:
                raise OperationError(f"{self.image}: registry answered {r.status_code}")
            return r

    def _token(self, scope: str) -> Optional[str]:
        with self._lock:
            tok = self._tokens.get(scope)
        if tok and tok[1] > time.time():
            return tok[0]
        return None

    def _challenge(self, r: Any, scope: str) -> bool:
        scheme, _, params = r.headers.get("www-authenticate", "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        p = dict(_CHAL.findall(params))
        if "realm" not in p:
            return False
        q = {k: p[k] for k in ("service", "scope") if k in p}
        q.setdefault("scope", scope)
        h = {"Authorization": _basic(self.creds)} if self.creds else {}
        try:
            tr = self._http.get(p["realm"], params=q, headers=h)
        except Exception as e:
            raise OperationError(f"{self.image}: token service {p['realm']} unreachable: {type(e).__name__}") from None
        self.stats.requests += 1
        self.stats.token_requests += 1
        if tr.status_code != 200:
            raise OperationError(f"{self.image}: token service refused ({tr.status_code}) with credentials: {self.source}")
        try:
            body = tr.json()
        except ValueError:
            raise OperationError(f"{self.image}: token service sent no JSON") from None
        tok = body.get("token") or body.get("access_token")
        if not tok:
            raise OperationError(f"{self.image}: token service sent no token")
        ttl = float(body.get("expires_in") or 60)
        with self._lock:
            self._tokens[scope] = (tok, time.time() + max(ttl - 10, 1))
        return True

    # --- API
    def list_tags(self, page_size: int = PAGE_SIZE) -> list[str]:
        """Every tag, following `Link: <...>; rel="next"` to the end (bounded)."""
        import httpx

        scope = f"repository:{self.path}:pull"
        url: Optional[str] = f"{self.base}/v2/{self.path}/tags/list?n={page_size}"
        tags: list[str] = []
        seen_urls: set[str] = set()
        while url:
            if url in seen_urls:
                raise OperationError(f"{self.image}: registry pagination loops at {url}")
            seen_urls.add(url)
            self.stats.pages += 1
            if self.stats.pages > MAX_PAGES:
                raise OperationError(f"{self.image}: more than {MAX_PAGES} pages of tags")
            r = self._send("GET", url, scope, {"Accept": "application/json"})
            try:
                body = r.json()
            except ValueError:
                raise OperationError(f"{self.image}: tag list page is not JSON (truncated answer?)") from None
            page = body.get("tags") if isinstance(body, dict) else None
            if page is not None and not isinstance(page, list):
                raise OperationError(f"{self.image}: malformed tag list")
            tags.extend(str(t) for t in page or [])
            if len(tags) > MAX_TAGS:
                raise OperationError(f"{self.image}: more than {MAX_TAGS} tags")
            nxt = r.links.get("next", {}).get("url")
            url = str(httpx.URL(self.base).join(nxt)) if nxt else None
        return tags

    def digest(self, tag: str) -> str:
        """The manifest digest of image:tag (HEAD, falling back to GET)."""
        scope = f"repository:{self.path}:pull"
        url = f"{self.base}/v2/{self.path}/manifests/{tag}"
        r = self._send("HEAD", url, scope, {"Accept": MANIFEST_ACCEPT})
        d = r.headers.get("docker-content-digest")
        if not d:
            import hashlib

            r = self._send("GET", url, scope, {"Accept": MANIFEST_ACCEPT})
            d = r.headers.get("docker-content-digest") or "sha256:" + hashlib.sha256(r.content).hexdigest()
        return d


def _basic(c: Optional[Credentials]) -> str:
    import base64

    assert c is not None
    return "Basic " + base64.b64encode(f"{c.username}:{c.password}".encode()).decode()


def _retry_after(r: Any) -> float:
    v = r.headers.get("retry-after", "")
    try:
        return min(max(float(v), 0.0), 300.0)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return min(max(parsedate_to_datetime(v).timestamp() - time.time(), 0.0), 300.0)
        except (TypeError, ValueError):
            return 1.0
