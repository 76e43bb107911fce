"""Bounds on the wire: one deadline for a whole scan, bounded bodies, and which URLs a scan may visit.

httpx's `timeout` bounds each socket operation, so a server that sends one byte every few seconds
(slowloris) keeps a request alive forever. Here every socket operation of a thread is also capped by
that thread's deadline (a network backend wrapping httpcore's), so a scan ends at `spec.timeout`
however the server dribbles. Bodies are read in chunks and refused past a size limit.
"""
from __future__ import annotations

import ipaddress
import re
import threading
import time
from typing import Any, Optional
from urllib.parse import urljoin, urlsplit

_LOCAL = threading.local()
MAX_LINK = 8192  # a Link header longer than this is refused


def set_deadline(deadline: Optional[float]) -> None:
    """Cap every socket operation of this thread at the monotonic time `deadline` (None: no cap)."""
    _LOCAL.deadline = deadline


def remaining() -> Optional[float]:
    d = getattr(_LOCAL, "deadline", None)
    return None if d is None else d - time.monotonic()


def _cap(timeout: Optional[float]) -> Optional[float]:
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        import httpcore

        raise httpcore.ReadTimeout("scan deadline passed")
    return left if timeout is None else min(timeout, left)


def install(client: Any) -> None:
    """Route every transport of an httpx.Client through the deadline-capped network backend."""
    import httpcore

    class Stream(httpcore.NetworkStream):
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def read(self, max_bytes: int, timeout: Optional[float] = None) -> bytes:
            return self._inner.read(max_bytes, _cap(timeout))

        def write(self, buffer: bytes, timeout: Optional[float] = None) -> None:
            self._inner.write(buffer, _cap(timeout))

        def close(self) -> None:
            self._inner.close()

        def start_tls(self, ssl_context: Any, server_hostname: Optional[str] = None,
                      timeout: Optional[float] = None) -> Any:
            return Stream(self._inner.start_tls(ssl_context, server_hostname, _cap(timeout)))

        def get_extra_info(self, info: str) -> Any:
            return self._inner.get_extra_info(info)

    class Backend(httpcore.NetworkBackend):
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def connect_tcp(self, host: str, port: int, timeout: Optional[float] = None,
                        local_address: Optional[str] = None, socket_options: Any = None) -> Any:
            return Stream(self._inner.connect_tcp(host, port, _cap(timeout), local_address, socket_options))

        def connect_unix_socket(self, path: str, timeout: Optional[float] = None, socket_options: Any = None) -> Any:
            return Stream(self._inner.connect_unix_socket(path, _cap(timeout), socket_options))

        def sleep(self, seconds: float) -> None:
            self._inner.sleep(seconds)

    transports = [getattr(client, "_transport", None)] + list(getattr(client, "_mounts", {}).values())
    for t in transports:
        pool = getattr(t, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            pool._network_backend = Backend(pool._network_backend)


def read_body(response: Any, limit: int, what: str) -> bytes:
    """The (decoded) body, refusing more than `limit` bytes; raises ValueError naming `what`."""
    n = response.headers.get("content-length", "")
    if n.isdigit() and int(n) > limit:
        raise ValueError(f"{what} is {int(n):,} bytes, more than the {limit:,} allowed")
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise ValueError(f"{what} is more than the {limit:,} bytes allowed")
        chunks.append(chunk)
    return b"".join(chunks)


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the scheme's default port filled in, host lower-cased."""
    u = urlsplit(url)
    port = u.port or {"http": 80, "https": 443}.get(u.scheme, 0)
    return u.scheme, (u.hostname or "").lower(), port


def next_page(link: str, current: str) -> Optional[str]:
    """The URL of a `Link: <url>; rel="next"` header resolved against the page's URL (as
    go-containerregistry's getNextPageURL), None without a next link; ValueError when malformed."""
    if len(link) > MAX_LINK:
        raise ValueError(f"Link header of {len(link):,} characters")
    if not link.lstrip().startswith("<"):
        raise ValueError("malformed Link header (no '<')")
    entries = _LINK.findall(link)
    if not entries:
        raise ValueError("malformed Link header (no '>')")
    for target, params in entries:
        rel = params.replace(" ", "").lower()
        if "rel=" not in rel or 'rel="next"' in rel or "rel=next" in rel:
            url = urljoin(current, target.strip())
            origin(url)  # ValueError on a bad port or host
            return url
    return None


_LINK = re.compile(r"<([^>]*)>([^<]*)")
_PRIVATE = ("is_loopback", "is_private", "is_link_local", "is_unspecified", "is_multicast", "is_reserved")


def _effective_domain(host: str) -> str:
    host = host.strip("[]").rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        parts = host.split(".")
        return ".".join(parts[-2:]) if len(parts) >= 2 else host


def realm_problem(realm: str, registry: str) -> Optional[str]:
    """Why a bearer `realm` may not receive the registry's credentials, or None when it may.

    go-containerregistry's validateRealmURL (pkg/v1/remote/transport/bearer.go): https, or http only
    for a plain-http registry; no private/loopback/link-local IP literal unless it is the registry's
    own host:port; the same effective domain (last two labels, or the same IP) as the registry.
    """
    try:
        scheme, host, port = origin(realm)
        u = urlsplit(realm)
    except ValueError:
        return "is not a URL"
    rscheme, rhost, rport = origin(registry)
    if scheme not in ("http", "https"):
        return f"has scheme {scheme!r}; only https (or http for a plain-http registry) may get credentials"
    if scheme == "http" and rscheme != "http":
        return "is plain http for an https registry (a downgrade)"
    if not host:
        return "has no host"
    if u.username is not None or u.password is not None:
        return "carries user information"
    try:
        ip: Any = ipaddress.ip_address(host.strip("[]"))
        ip = getattr(ip, "ipv4_mapped", None) or ip  # ::ffff:127.0.0.1 is 127.0.0.1
    except ValueError:
        ip = None
    if ip is not None and any(getattr(ip, a) for a in _PRIVATE) and (host, port) != (rhost, rport):
        return f"is a private, loopback or link-local address ({host}) other than the registry's own host:port"
    if _effective_domain(host) != _effective_domain(rhost):
        return f"is on {host}, outside the registry's domain ({_effective_domain(rhost)})"
    return None
