"""Image names normalised as go-containerregistry does (nginx -> index.docker.io/library/nginx)."""
from __future__ import annotations

import re

DOCKER_HUB = "index.docker.io"
DOCKER_API = "registry-1.docker.io"
_PATH = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*\Z")


class NameError_(ValueError):
    pass


def split(image: str) -> tuple[str, str]:
    """(registry host, repository path); raises NameError_ for names Flux rejects."""
    if "://" in image:
        raise NameError_(f"image '{image}' should not include URL scheme")
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, path = first, rest
    else:
        host, path = DOCKER_HUB, image
    if host in ("docker.io", DOCKER_HUB):
        host = DOCKER_HUB
        if "/" not in path:
            path = "library/" + path
    if not _PATH.match(path):
        raise NameError_(f"image '{image}': repository can only contain the characters "
                         "`abcdefghijklmnopqrstuvwxyz0123456789_-./`")
    return host, path


def canonical(image: str) -> str:
    host, path = split(image)
    return f"{host}/{path}"


def api_base(host: str, insecure: bool = False) -> str:
    h = DOCKER_API if host == DOCKER_HUB else host
    return ("http://" if insecure else "https://") + h
