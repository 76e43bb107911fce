"""Image names normalised as go-containerregistry does (nginx -> index.docker.io/library/nginx)."""
from __future__ import annotations

DOCKER_HUB = "index.docker.io"
DOCKER_API = "registry-1.docker.io"


def split(image: str) -> tuple[str, str]:
    """(registry host, repository path)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, path = first, rest
    else:
        host, path = DOCKER_HUB, image
    if host in ("docker.io", DOCKER_HUB):
        host = DOCKER_HUB
        if "/" not in path:
            path = "library/" + path
    return host, path


def api_base(host: str, insecure: bool = False) -> str:
    h = DOCKER_API if host == DOCKER_HUB else host
    return ("http://" if insecure else "https://") + h
