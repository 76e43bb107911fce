"""Scanning ImageRepositories like image-reflector-controller: credentials, TLS, proxy and
timeout from the object's spec, many repositories at once (bounded), an optional on-disk cache.

Secrets come through a `secret_lookup(namespace, name)` callable (the scanned files, the cluster);
progress goes to an optional callback: the library never prints.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import stat
import tempfile
import time
from typing import Any, Callable, Optional

from kubectl_imagewatch.golang import duration as goduration
from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.reflector.registry import auth
from kubectl_imagewatch.reflector.registry.client import MAX_TAG_LEN, MAX_TAGS, RegistryClient, Transport
from kubectl_imagewatch.flux.imageref import ImageRefError, canonical, split
from kubectl_imagewatch.manifests.model import secret_value

WORKERS = 8
MAX_CACHE_BYTES = 64 << 20

SecretLookup = Callable[[str, str], Optional[dict]]
Progress = Callable[[int, int], None]  # (done, total)
ScanResult = tuple[Optional[list[str]], Optional[str]]  # (tags, error)


def _secret(lookup: Optional[SecretLookup], ns: str, ref: Any) -> tuple[Optional[dict], Optional[str]]:
    if not isinstance(ref, dict) or not ref.get("name"):
        return None, None
    name = str(ref["name"])
    sec = lookup(ns, name) if lookup is not None else None
    if sec is None:
        raise OperationError(f"Secret {ns}/{name} is not in the scanned files (or the cluster)")
    if not isinstance(sec, dict):
        raise OperationError(f"Secret {ns}/{name} is malformed")
    return sec, f"{ns}/{name}"


def _value(sec: dict, *keys: str) -> Optional[bytes]:
    for k in keys:
        v = secret_value(sec, k)
        if v:
            return v
    return None


def _text(sec: dict, key: str, name: Optional[str]) -> str:
    try:
        return (_value(sec, key) or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise OperationError(f"Secret {name}: {key} is not UTF-8") from None


def transport_for(repo: Any, lookup: Optional[SecretLookup] = None) -> Transport:
    """TLS material, proxy and deadline from an ImageRepository's spec and its Secrets."""
    spec = repo.spec
    t = Transport(insecure=bool(spec.get("insecure")))
    tls, tname = _secret(lookup, repo.namespace, spec.get("certSecretRef"))
    if tls is not None:
        t.ca_pem = _value(tls, "ca.crt", "caFile")
        t.cert_pem = _value(tls, "tls.crt", "certFile")
        t.key_pem = _value(tls, "tls.key", "keyFile")
    px, pname = _secret(lookup, repo.namespace, spec.get("proxySecretRef"))
    if px is not None:
        addr, user, pw = _text(px, "address", pname), _text(px, "username", pname), _text(px, "password", pname)
        if user and "://" in addr:
            scheme, _, rest = addr.partition("://")
            from urllib.parse import quote

            addr = f"{scheme}://{quote(user, safe='')}:{quote(pw, safe='')}@{rest}"
        t.proxy = addr or None
    timeout = spec.get("timeout") or spec.get("interval")
    if isinstance(timeout, str):
        try:
            t.timeout = min(max(goduration.parse(timeout) / 1e9, 1.0), 24 * 3600.0)
        except (goduration.DurationError, ValueError, OverflowError):
            pass
    return t


def client_for(repo: Any, lookup: Optional[SecretLookup] = None) -> RegistryClient:
    spec = repo.spec
    image = str(spec.get("image") or "")
    try:
        host, _ = split(image)
    except ImageRefError as e:
        raise OperationError(str(e)) from None
    sec, sname = _secret(lookup, repo.namespace, spec.get("secretRef"))
    provider = spec.get("provider")
    creds = auth.resolve(host, provider if isinstance(provider, str) else None, sec, sname)
    return RegistryClient(image, creds, transport_for(repo, lookup))


def _cache_file(cache_dir: str, image: str) -> str:
    return os.path.join(cache_dir, hashlib.sha256(canonical(image).encode()).hexdigest()[:32] + ".json")


def _interval_s(repo: Any) -> float:
    try:
        return goduration.parse(str(repo.spec.get("interval") or "1m")) / 1e9
    except (goduration.DurationError, ValueError, OverflowError):
        return 60.0


def load_cached(path: str, image: str, max_age: float) -> Optional[list[str]]:
    """The cached tags of image, if fresh and well-formed; never follows a symlink or opens a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None  # absent, or a symlink (ELOOP): a miss; the next save replaces it
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_CACHE_BYTES:
            return None
        with os.fdopen(fd, "rb") as f:
            fd = -1
            entry = json.loads(f.read(MAX_CACHE_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    if not isinstance(entry, dict) or entry.get("image") != canonical(image):
        return None
    tags, at = entry.get("tags"), entry.get("time")
    if not isinstance(at, (int, float)) or not isinstance(tags, list) or len(tags) > MAX_TAGS:
        return None
    if not all(isinstance(t, str) and 0 < len(t) <= MAX_TAG_LEN for t in tags):
        return None
    return tags if time.time() - at < max_age else None


def save_cached(path: str, image: str, tags: list[str]) -> None:
    """Write atomically through a fresh temporary file (O_EXCL: a planted name or symlink cannot be
    written through); the rename replaces a planted symlink instead of following it."""
    d = os.path.dirname(path)
    os.makedirs(d, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".iw-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({"image": canonical(image), "time": time.time(), "tags": tags}, f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def scan(repo: Any, lookup: Optional[SecretLookup] = None, cache_dir: Optional[str] = None,
         keep: Optional[Callable[[RegistryClient], None]] = None) -> list[str]:
    """All tags of the repository (raises OperationError only); cached for the repository's interval.
    `keep` receives the open client (for digests) and then owns it; otherwise it is closed here."""
    image = str(repo.spec.get("image") or "")
    path = None
    if cache_dir:
        try:
            path = _cache_file(cache_dir, image)
        except ImageRefError as e:
            raise OperationError(str(e)) from None
        cached = load_cached(path, image, _interval_s(repo))
        if cached is not None:
            return cached
    c = client_for(repo, lookup)
    try:
        tags = c.list_tags()
    except BaseException:
        c.close()
        raise
    if keep is not None:
        keep(c)
    else:
        c.close()
    if path:
        try:
            save_cached(path, image, tags)
        except OSError as e:
            raise OperationError(f"cannot write the scan cache {cache_dir}: {e.strerror}") from None
    return tags


def scan_many(repos: list, lookup: Optional[SecretLookup] = None, cache_dir: Optional[str] = None,
              progress: Optional[Progress] = None,
              keep: Optional[Callable[[str, RegistryClient], None]] = None) -> dict[str, ScanResult]:
    """repo.ref -> (tags, error); at most WORKERS scans in flight."""
    out: dict[str, ScanResult] = {}

    def one(r: Any) -> tuple[str, Optional[list[str]], Optional[str]]:
        try:
            k = (lambda c: keep(r.ref, c)) if keep is not None else None
            return r.ref, scan(r, lookup, cache_dir, k), None
        except OperationError as e:
            return r.ref, None, f"scan failed: {e}"

    uniq = list({r.ref: r for r in repos}.values())
    if progress is not None and uniq:
        progress(0, len(uniq))  # a first word before the first answer (a slow registry may take seconds)
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(WORKERS, max(len(uniq), 1))) as ex:
        for i, (ref, tags, err) in enumerate(ex.map(one, uniq), 1):
            out[ref] = (tags, err)
            if progress is not None:
                progress(i, len(uniq))
    return out


def digest(repo: Any, tag: str, lookup: Optional[SecretLookup] = None) -> str:
    with client_for(repo, lookup) as c:
        return c.digest(tag)
