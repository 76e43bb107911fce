"""List an ImageRepository's tags from its registry (anonymous, basic from ~/.docker/config.json,
Docker-style bearer tokens; `Link` pagination followed to the end, bounded). A failed scan never
returns a partial list."""
from __future__ import annotations

import base64
import json
import os
import re
from typing import Any, Optional

from kubectl_imagewatch.registry import names

MAX_PAGES = 1000
_CHAL = re.compile(r'(\w+)="([^"]*)"')


def _docker_auth(host: str) -> Optional[tuple[str, str]]:
    path = os.path.join(os.environ.get("DOCKER_CONFIG") or os.path.expanduser("~/.docker"), "config.json")
    try:
        with open(path) as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        return None
    for key, entry in (cfg.get("auths") or {}).items():
        k = re.sub(r"^https?://", "", key).split("/")[0]
        if k in (host, "index.docker.io" if host == names.DOCKER_HUB else host) and isinstance(entry, dict):
            if entry.get("auth"):
                user, _, pw = base64.b64decode(entry["auth"]).decode().partition(":")
                return user, pw
            if entry.get("username"):
                return entry["username"], entry.get("password", "")
    return None


def list_tags(image: str, insecure: bool = False, timeout: float = 60.0,
              creds: Optional[tuple[str, str]] = None) -> tuple[list[str], int]:
    """(tags, requests made). Raises OperationError naming the image and credential source."""
    import httpx

    from kubectl_imagewatch.errors import OperationError

    host, path = names.split(image)
    creds = creds or _docker_auth(host)
    base = names.api_base(host, insecure)
    token: Optional[str] = None
    tags: list[str] = []
    url: Optional[str] = f"{base}/v2/{path}/tags/list"
    requests = 0
    source = "~/.docker/config.json" if creds else "anonymous"
    with httpx.Client(timeout=timeout, trust_env=True, follow_redirects=True) as client:
        pages = 0
        while url:
            pages += 1
            if pages > MAX_PAGES:
                raise OperationError(f"{image}: more than {MAX_PAGES} pages of tags; refusing to continue")
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            try:
                r = client.get(url, headers=headers, auth=(creds if creds and not token else None))  # type: ignore[arg-type]
                requests += 1
                if r.status_code == 401 and token is None:
                    scheme, _, params = r.headers.get("www-authenticate", "").partition(" ")
                    p = dict(_CHAL.findall(params))
                    if scheme.lower() == "bearer" and "realm" in p:
                        q = {k: p[k] for k in ("service", "scope") if k in p}
                        tr = client.get(p["realm"], params=q, auth=creds)  # type: ignore[arg-type]
                        requests += 1
                        if tr.status_code != 200:
                            raise OperationError(f"{image}: token request failed ({tr.status_code}); credentials: {source}")
                        body: Any = tr.json()
                        token = body.get("token") or body.get("access_token")
                        continue
                if r.status_code in (401, 403):
                    raise OperationError(f"{image}: access denied ({r.status_code}); credentials: {source}")
                if r.status_code == 404:
                    raise OperationError(f"{image}: repository not found on {host}")
                if r.status_code >= 400:
                    raise OperationError(f"{image}: registry answered {r.status_code}")
                tags += r.json().get("tags") or []
                nxt = r.links.get("next", {}).get("url")
                url = str(httpx.URL(base).join(nxt)) if nxt else None
            except httpx.HTTPError as e:
                raise OperationError(f"{image}: cannot reach {host}: {e}") from None
    return tags, requests


def tags_for(repo: Any, cache_dir: Optional[str] = None, inventory: Any = None) -> tuple[Optional[dict], Optional[str]]:
    from kubectl_imagewatch.errors import OperationError

    image = str(repo.spec.get("image") or "")
    try:
        tags, _ = list_tags(image, insecure=bool(repo.spec.get("insecure")))
    except OperationError as e:
        return None, f"scan failed: {e} (or pass --tags-file)"
    except ImportError:
        return None, "scanning needs httpx (pip install httpx), or pass --tags-file"
    return {t: None for t in tags}, None
