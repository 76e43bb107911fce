"""OCI distribution v2 client: tag listing with pagination, digests, auth challenges, retries.

Trust rule (docs/security.md, "Registry"): credentials go only where go-containerregistry sends
them. Basic credentials and bearer tokens are sent only to the registry's own origin (scheme, host,
port); a bearer challenge's token service gets the Basic credentials for the token exchange only if
its realm passes `wire.realm_problem`. Redirects are followed without credentials and never from
https to http; a `Link` must stay on the origin that served the page, so no third host adds tags.

Bounds: one deadline (`Transport.timeout`, from spec.timeout) covers a whole listing — pages,
token exchanges, retries and `Retry-After` waits; bodies are size-limited; every response is
validated, and anything unexpected is an OperationError naming the image, never a traceback.
"""
from __future__ import annotations

import dataclasses
import json
import re
import ssl
import threading
import time
from typing import Any, Callable, Optional
from urllib.parse import quote

from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.reflector.registry import wire
from kubectl_imagewatch.reflector.registry.auth import Credentials
from kubectl_imagewatch.flux.imageref import api_base, split

MAX_PAGES = 10_000
MAX_TAGS = 1_000_000
MAX_TAG_LEN = 300  # the longest tag any registry stores (ECR: 300; the OCI grammar: 128)
MAX_PAGE_BYTES = 32 << 20  # one tag-list page
MAX_TOKEN_BYTES = 1 << 20  # a token service answer
MAX_MANIFEST_BYTES = 4 << 20  # distribution's own manifest limit
MAX_REDIRECTS = 5
PAGE_SIZE = 1000
MANIFEST_ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"])
_CHAL = re.compile(r'(\w+)="([^"]*)"')
_TOKEN = re.compile(r"[\x21-\x7e]{1,65536}\Z")  # what may go into an Authorization header
_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}\Z")


@dataclasses.dataclass
class Transport:
    """How to reach one registry: TLS material, proxy, overall deadline, retry policy."""
    insecure: bool = False
    ca_pem: Optional[bytes] = None
    cert_pem: Optional[bytes] = None
    key_pem: Optional[bytes] = None
    proxy: Optional[str] = None
    timeout: float = 60.0  # seconds for one whole operation (a listing, a digest)
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
        try:
            self.origin = wire.origin(self.base)
        except ValueError:
            raise OperationError(f"{_printable(image)}: the registry host is not a host[:port]") from None
        self.stats = Stats()
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._deadline = 0.0
        verify: Any = True
        if not self.t.insecure:
            verify = self._tls_context()
        try:
            self._http = httpx.Client(verify=verify, timeout=self.t.timeout, proxy=self.t.proxy,
                                      trust_env=self.t.proxy is None, follow_redirects=False)
        except (ValueError, TypeError, httpx.InvalidURL) as e:
            raise OperationError(f"{image}: proxySecretRef: the address is not a proxy URL ({type(e).__name__})") from None
        wire.install(self._http)

    def _tls_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        try:
            if self.t.ca_pem:
                ctx.load_verify_locations(cadata=self.t.ca_pem.decode("ascii"))
        except (ssl.SSLError, ValueError) as e:
            raise OperationError(f"{self.image}: certSecretRef ca.crt is not a PEM certificate "
                                 f"({type(e).__name__})") from None
        if self.t.cert_pem and self.t.key_pem:
            import os
            import tempfile

            with tempfile.TemporaryDirectory() as d:  # ssl needs files; removed right after loading
                cp, kp = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
                for p, data in ((cp, self.t.cert_pem), (kp, self.t.key_pem)):
                    with open(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
                        f.write(data)
                try:
                    ctx.load_cert_chain(cp, kp)
                except (ssl.SSLError, ValueError) as e:
                    raise OperationError(f"{self.image}: certSecretRef tls.crt/tls.key are not a PEM "
                                         f"certificate and key ({type(e).__name__})") from None
        return ctx

    @property
    def source(self) -> str:
        return self.creds.source if self.creds else "anonymous"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "RegistryClient":
        return self

    def __exit__(self, *a: Any) -> None:
        self.close()

    # --- one deadline per operation
    def _start(self) -> None:
        self._deadline = time.monotonic() + self.t.timeout
        wire.set_deadline(self._deadline)

    def _left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise OperationError(self._late())
        return left

    def _late(self) -> str:
        return f"{self.image}: scan exceeded its timeout of {self.t.timeout:g}s (spec.timeout)"

    def _wait(self, seconds: float, why: str) -> None:
        if seconds >= self._left():
            raise OperationError(f"{self.image}: {why}; waiting {seconds:g}s would pass the scan timeout "
                                 f"of {self.t.timeout:g}s (spec.timeout)")
        self.t.sleep(seconds)

    def _request(self, method: str, url: str, headers: dict, limit: int, what: str) -> tuple[Any, bytes]:
        """One HTTP exchange within the deadline: (response, body); OperationError on any failure."""
        import httpx

        try:
            left = self._left()
            with self._http.stream(method, url, headers=headers,
                                   timeout=httpx.Timeout(left, connect=min(CONNECT_TIMEOUT, left))) as r:
                body = wire.read_body(r, limit, f"{what} from {self.host}") if method != "HEAD" else b""
        except ValueError as e:
            raise OperationError(f"{self.image}: {e}") from None
        except httpx.TimeoutException:
            if time.monotonic() >= self._deadline:
                raise OperationError(self._late()) from None
            raise
        self.stats.requests += 1
        return r, body

    # --- requests with auth and retries
    def _send(self, method: str, url: str, scope: str, headers: Optional[dict] = None,
              limit: int = MAX_PAGE_BYTES, what: str = "answer") -> tuple[Any, bytes]:
        import httpx

        headers = dict(headers or {})
        attempt = redirects = 0
        authed = False
        while True:
            home = wire.origin(url) == self.origin  # credentials go to the registry's origin only
            tok = self._token(scope) if home else None
            h = dict(headers)
            if tok:
                h["Authorization"] = f"Bearer {tok}"
            elif authed and self.creds and home:
                h["Authorization"] = _basic(self.creds)
            try:
                r, body = self._request(method, url, h, limit, what)
            except (httpx.ConnectError, httpx.ConnectTimeout) as e:
                # refused, unresolvable, unreachable: retrying only delays the answer (offline, a typo)
                raise OperationError(f"{self.image}: cannot reach {self.host}: {_connect_failure(e)}; offline? "
                                     "simulate from a list of tags with --tags-file FILE") from None
            except httpx.TransportError as e:
                if attempt >= self.t.retries:
                    raise OperationError(f"{self.image}: cannot reach {self.host}: {type(e).__name__}") from None
                self._wait(self.t.backoff * (2 ** attempt), f"cannot reach {self.host}")
                attempt += 1
                continue
            except (httpx.HTTPError, httpx.InvalidURL) as e:
                raise OperationError(f"{self.image}: request to {self.host} failed: {type(e).__name__}") from None
            if r.status_code in (301, 302, 303, 307, 308):
                url = self._redirect(r, url, redirects)
                redirects += 1
                continue
            if r.status_code == 401 and not home:
                raise OperationError(f"{self.image}: {_printable(wire.origin(url)[1])}, where the registry redirected, "
                                     "asks for credentials; they are sent only to the registry itself")
            if r.status_code == 401 and not authed:
                authed = True
                if self._challenge(r, scope):
                    continue
                if self.creds is not None:
                    continue  # Basic challenge: resend with credentials
            if r.status_code == 429 or r.status_code >= 500:
                if attempt >= self.t.retries:
                    raise OperationError(f"{self.image}: registry answered {r.status_code} after {attempt + 1} attempts")
                if r.status_code == 429:
                    self._wait(_retry_after(r), f"rate limited (429, Retry-After {_printable(r.headers.get('retry-after', ''))[:40]})")
                else:
                    self._wait(self.t.backoff * (2 ** attempt), f"registry answered {r.status_code}")
                attempt += 1
                continue
            if r.status_code in (401, 403):
                raise OperationError(f"{self.image}: {'authentication required' if r.status_code == 401 else 'access denied'} "
                                     f"({r.status_code}) with credentials: {self.source}")
            if r.status_code == 404:
                raise OperationError(f"{self.image}: not found on {self.host} (404)")
            if r.status_code >= 300:
                raise OperationError(f"{self.image}: registry answered {r.status_code}")
            return r, body

    def _redirect(self, r: Any, url: str, n: int) -> str:
        """Where a redirect leads: any host (registry.k8s.io sends every request to its upstream, as
        go-containerregistry follows), but never from https to http; credentials stay home (_send)."""
        from urllib.parse import urljoin

        if n >= MAX_REDIRECTS:
            raise OperationError(f"{self.image}: more than {MAX_REDIRECTS} redirects")
        try:
            target = urljoin(url, r.headers.get("location", ""))
            scheme = wire.origin(target)[0]
        except ValueError:
            raise OperationError(f"{self.image}: registry redirected to a malformed URL") from None
        if scheme not in ("http", "https") or (scheme == "http" and wire.origin(url)[0] == "https"):
            raise OperationError(f"{self.image}: registry redirected from {wire.origin(url)[0]} to {scheme!r}; "
                                 "refused (a downgrade)")
        return target

    def _token(self, scope: str) -> Optional[str]:
        with self._lock:
            tok = self._tokens.get(scope)
        if tok and tok[1] > time.time():
            return tok[0]
        return None

    def _challenge(self, r: Any, scope: str) -> bool:
        """Exchange credentials for a bearer token at the challenge's realm, if it may have them."""
        import httpx

        scheme, _, params = r.headers.get("www-authenticate", "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        p = dict(_CHAL.findall(params))
        if "realm" not in p:
            return False
        problem = wire.realm_problem(p["realm"], self.base)
        if problem:
            raise OperationError(f"{self.image}: the registry's token service {_printable(p['realm'])} {problem}; "
                                 "refused (credentials go only to the registry's own domain)")
        q = {k: p[k] for k in ("service", "scope") if k in p}
        q.setdefault("scope", scope)
        h = {"Authorization": _basic(self.creds)} if self.creds else {}
        try:
            with self._http.stream("GET", p["realm"], params=q, headers=h, timeout=self._left()) as tr:
                body = wire.read_body(tr, MAX_TOKEN_BYTES, "token answer") if tr.status_code == 200 else b""
        except ValueError as e:
            raise OperationError(f"{self.image}: token service: {e}") from None
        except (httpx.HTTPError, httpx.InvalidURL) as e:
            if time.monotonic() >= self._deadline:
                raise OperationError(self._late()) from None
            raise OperationError(f"{self.image}: token service {_printable(p['realm'])} unreachable: "
                                 f"{type(e).__name__}") from None
        self.stats.requests += 1
        self.stats.token_requests += 1
        if tr.status_code != 200:
            raise OperationError(f"{self.image}: token service refused ({tr.status_code}) with credentials: {self.source}")
        tok, ttl = _parse_token(body, self.image)
        with self._lock:
            self._tokens[scope] = (tok, time.time() + max(ttl - 10, 1))
        return True

    # --- API
    def list_tags(self, page_size: int = PAGE_SIZE) -> list[str]:
        """Every tag, following `Link: <...>; rel="next"` on the registry's own origin, all within
        one deadline; a listing that fails part-way raises (never a partial list)."""
        self._start()
        try:
            return self._list(page_size)
        finally:
            wire.set_deadline(None)

    def _list(self, page_size: int) -> list[str]:
        scope = f"repository:{self.path}:pull"
        url: Optional[str] = f"{self.base}/v2/{self.path}/tags/list?n={page_size}"
        tags: list[str] = []
        seen_urls: set[str] = set()
        while url:
            if url in seen_urls:
                raise OperationError(f"{self.image}: registry pagination loops")
            seen_urls.add(url)
            self.stats.pages += 1
            if self.stats.pages > MAX_PAGES:
                raise OperationError(f"{self.image}: more than {MAX_PAGES} pages of tags")
            r, body = self._send("GET", url, scope, {"Accept": "application/json"}, MAX_PAGE_BYTES, "tag list page")
            tags.extend(_page_tags(body, self.image))
            if len(tags) > MAX_TAGS:
                raise OperationError(f"{self.image}: more than {MAX_TAGS} tags")
            url = self._next(r)
        return tags

    def _next(self, r: Any) -> Optional[str]:
        """The next page, which must be on the origin that served this page (the registry, or where
        it redirected): a Link to a third host is refused."""
        link = ", ".join(r.headers.get_list("link"))
        if not link:
            return None
        page = str(r.url)
        try:
            nxt = wire.next_page(link, page)
        except ValueError as e:
            raise OperationError(f"{self.image}: registry sent a bad Link header: {e}") from None
        if nxt is not None and wire.origin(nxt) != wire.origin(page):
            s, h, port = wire.origin(nxt)
            raise OperationError(f"{self.image}: registry pagination leads to {s}://{_printable(h)}:{port}, not "
                                 f"the host that served the page; refused (tags come only from the registry)")
        return nxt

    def digest(self, tag: str) -> str:
        """The manifest digest of image:tag (HEAD, falling back to GET), within one deadline."""
        self._start()
        try:
            scope = f"repository:{self.path}:pull"
            url = f"{self.base}/v2/{self.path}/manifests/{quote(tag, safe='')}"
            r, _ = self._send("HEAD", url, scope, {"Accept": MANIFEST_ACCEPT})
            d = r.headers.get("docker-content-digest")
            if not d:
                import hashlib

                r, body = self._send("GET", url, scope, {"Accept": MANIFEST_ACCEPT}, MAX_MANIFEST_BYTES, "manifest")
                d = r.headers.get("docker-content-digest") or "sha256:" + hashlib.sha256(body).hexdigest()
            if not _DIGEST.match(d):
                raise OperationError(f"{self.image}: registry sent a malformed digest for {_printable(tag)}")
            return d
        finally:
            wire.set_deadline(None)


def _page_tags(body: bytes, image: str) -> list[str]:
    """The `tags` of one page, validated: a list of strings of at most MAX_TAG_LEN characters."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise OperationError(f"{image}: tag list page is not UTF-8") from None
    except (ValueError, RecursionError):
        raise OperationError(f"{image}: tag list page is not JSON (truncated answer?)") from None
    page = doc.get("tags") if isinstance(doc, dict) else None
    if page is None:
        return []
    if not isinstance(page, list):
        raise OperationError(f"{image}: malformed tag list")
    for t in page:
        if not isinstance(t, str):
            raise OperationError(f"{image}: malformed tag list: a tag is a JSON {type(t).__name__}, not a string")
        if len(t) > MAX_TAG_LEN or not t:
            raise OperationError(f"{image}: registry listed a tag of {len(t):,} characters "
                                 f"(tags have 1 to {MAX_TAG_LEN})")
    return page


def _parse_token(body: bytes, image: str) -> tuple[str, float]:
    """(token, seconds valid) from a token service answer, checked like go-containerregistry's Token."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise OperationError(f"{image}: token service sent no JSON") from None
    if not isinstance(doc, dict):
        raise OperationError(f"{image}: token service sent a JSON {type(doc).__name__}, not an object")
    tok = doc.get("token") or doc.get("access_token")
    if not isinstance(tok, str) or not tok:
        raise OperationError(f"{image}: token service sent no token")
    if not _TOKEN.match(tok):
        raise OperationError(f"{image}: token service sent a token that cannot go in a header")
    ttl = doc.get("expires_in")
    if ttl is None or ttl == 0:
        return tok, 60.0
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
        raise OperationError(f"{image}: token service sent a malformed expires_in")
    return tok, float(min(ttl, 86400))


def _printable(s: str) -> str:
    """s for an error message: at most 200 characters, non-printables escaped."""
    s = s if len(s) <= 200 else s[:200] + "..."
    return s if s.isprintable() else s.encode("unicode_escape", "backslashreplace").decode("ascii")


def _basic(c: Optional[Credentials]) -> str:
    import base64

    assert c is not None
    return "Basic " + base64.b64encode(f"{c.username}:{c.password}".encode()).decode()


CONNECT_TIMEOUT = 1.5  # seconds to open a connection: a registry that is up answers far sooner


def _connect_failure(e: Exception) -> str:
    """Why a connection could not be opened, in words (the OS error text is not for everyone)."""
    import httpx

    text = str(e)
    if isinstance(e, httpx.ConnectTimeout):
        return f"no answer within {CONNECT_TIMEOUT:g}s (connect timeout)"
    for needle, why in (("Name or service not known", "the host name does not resolve"),
                        ("nodename nor servname", "the host name does not resolve"),
                        ("Temporary failure in name resolution", "the host name does not resolve"),
                        ("No address associated", "the host name does not resolve"),
                        ("Connection refused", "connection refused"),
                        ("Network is unreachable", "the network is unreachable"),
                        ("No route to host", "no route to host")):
        if needle in text:
            return why
    return f"cannot connect ({type(e).__name__})"


def _retry_after(r: Any) -> float:
    v = r.headers.get("retry-after", "")
    try:
        f = float(v)
        return min(max(f, 0.0), 300.0) if f == f else 1.0
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return min(max(parsedate_to_datetime(v).timestamp() - time.time(), 0.0), 300.0)
        except (TypeError, ValueError, OverflowError):
            return 1.0
