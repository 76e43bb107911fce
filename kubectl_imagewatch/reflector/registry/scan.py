"""Scanning ImageRepositories like image-reflector-controller: credentials, TLS, proxy and
timeout from the object's spec, many repositories at once (bounded), an optional on-disk cache."""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import sys
import time
from typing import Any, Optional

from kubectl_imagewatch.golang import duration as goduration
from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.reflector.registry import auth
from kubectl_imagewatch.reflector.registry.client import RegistryClient, Transport
from kubectl_imagewatch.flux.imageref import ImageRefError, canonical, split

WORKERS = 8


def _secret(inv: Any, ns: str, ref: Any) -> tuple[Optional[dict], Optional[str]]:
    if not isinstance(ref, dict) or not ref.get("name"):
        return None, None
    name = str(ref["name"])
    sec = inv.secret(ns, name) if inv is not None else None
    if sec is None:
        raise OperationError(f"Secret {ns}/{name} is not in the scanned files (or the cluster)")
    return sec, f"{ns}/{name}"


def client_for(repo: Any, inv: Any = None) -> RegistryClient:
    spec = repo.spec
    image = str(spec.get("image") or "")
    try:
        host, _ = split(image)
    except ImageRefError as e:
        raise OperationError(str(e)) from None
    sec, sname = _secret(inv, repo.namespace, spec.get("secretRef"))
    creds = auth.resolve(host, spec.get("provider"), sec, sname)
    t = Transport(insecure=bool(spec.get("insecure")))
    tls, _ = _secret(inv, repo.namespace, spec.get("certSecretRef"))
    if tls is not None:
        t.ca_pem = auth.secret_value(tls, "ca.crt") or auth.secret_value(tls, "caFile")
        t.cert_pem = auth.secret_value(tls, "tls.crt") or auth.secret_value(tls, "certFile")
        t.key_pem = auth.secret_value(tls, "tls.key") or auth.secret_value(tls, "keyFile")
    px, _ = _secret(inv, repo.namespace, spec.get("proxySecretRef"))
    if px is not None:
        addr = (auth.secret_value(px, "address") or b"").decode()
        user = (auth.secret_value(px, "username") or b"").decode()
        pw = (auth.secret_value(px, "password") or b"").decode()
        if user and "://" in addr:
            scheme, _, rest = addr.partition("://")
            from urllib.parse import quote

            addr = f"{scheme}://{quote(user, safe='')}:{quote(pw, safe='')}@{rest}"
        t.proxy = addr or None
    timeout = spec.get("timeout") or spec.get("interval")
    if isinstance(timeout, str):
        try:
            t.timeout = max(goduration.parse(timeout) / 1e9, 1.0)
        except goduration.DurationError:
            pass
    return RegistryClient(image, creds, t)


def _cache_file(cache_dir: str, image: str) -> str:
    return os.path.join(cache_dir, hashlib.sha256(canonical(image).encode()).hexdigest()[:32] + ".json")


def _interval_s(repo: Any) -> float:
    try:
        return goduration.parse(str(repo.spec.get("interval") or "1m")) / 1e9
    except goduration.DurationError:
        return 60.0


def scan(repo: Any, inv: Any = None, cache_dir: Optional[str] = None) -> list[str]:
    """All tags of the repository (raises OperationError); cached for the repository's interval."""
    image = str(repo.spec.get("image") or "")
    path = None
    if cache_dir:
        try:
            path = _cache_file(cache_dir, image)
        except ImageRefError as e:
            raise OperationError(str(e)) from None
        try:
            with open(path) as f:
                entry = json.load(f)
            if time.time() - float(entry["time"]) < _interval_s(repo):
                return list(entry["tags"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    with client_for(repo, inv) as c:
        tags = c.list_tags()
    if path:
        os.makedirs(cache_dir or ".", exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"image": canonical(image), "time": time.time(), "tags": tags}, f)
        os.replace(tmp, path)
    return tags


def scan_many(repos: list, inv: Any = None, cache_dir: Optional[str] = None,
              progress: bool = False) -> dict[str, tuple[Optional[list[str]], Optional[str]]]:
    """repo.ref -> (tags, error); at most WORKERS scans in flight."""
    out: dict[str, tuple[Optional[list[str]], Optional[str]]] = {}

    def one(r: Any) -> tuple[str, Optional[list[str]], Optional[str]]:
        try:
            return r.ref, scan(r, inv, cache_dir), None
        except OperationError as e:
            return r.ref, None, f"scan failed: {e}"

    uniq = list({r.ref: r for r in repos}.values())
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(WORKERS, max(len(uniq), 1))) as ex:
        for i, (ref, tags, err) in enumerate(ex.map(one, uniq), 1):
            out[ref] = (tags, err)
            if progress:
                sys.stderr.write(f"\rscanned {i}/{len(uniq)} repositories")
                sys.stderr.flush()
    if progress and uniq:
        sys.stderr.write("\n")
    return out


def digest(repo: Any, tag: str, inv: Any = None) -> Optional[str]:
    with client_for(repo, inv) as c:
        return c.digest(tag)


def tags_for(repo: Any, cache_dir: Optional[str] = None, inventory: Any = None) -> tuple[Optional[dict], Optional[str]]:
    try:
        return {t: None for t in scan(repo, inventory, cache_dir)}, None
    except OperationError as e:
        return None, f"scan failed: {e}"
