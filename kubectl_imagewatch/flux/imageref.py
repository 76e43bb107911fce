"""The one image-reference grammar: names as go-containerregistry parses and normalises them.

`nginx` is `index.docker.io/library/nginx`; a first component with a `.` or `:` or `localhost` is a
registry host. ImageRepository.spec.image is a repository only (no scheme, tag or digest); the
values the setters write are `name:tag[@sha256:...]`. Registry scans, `validate`, the update plan
and the commit-message data all read names through here.
"""
from __future__ import annotations

import re
from typing import Optional

DOCKER_HUB = "index.docker.io"
DOCKER_API = "registry-1.docker.io"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*\Z")
_HOST = r"[a-zA-Z0-9.-]+(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_REFERENCE = re.compile(rf"(?:{_HOST}/)?{_COMPONENT}(?:/{_COMPONENT})*:{_TAG}(?:@sha256:[a-f0-9]{{64}})?\Z")


class ImageRefError(ValueError):
    pass


def _is_host(first: str) -> bool:
    return "." in first or ":" in first or first == "localhost"


def normalise(name: str) -> tuple[str, str]:
    """(registry host, repository path) of a repository name, Docker Hub defaults applied; no checks."""
    first, _, rest = name.partition("/")
    host, path = (first, rest) if rest and _is_host(first) else (DOCKER_HUB, name)
    if host in ("docker.io", DOCKER_HUB):
        host = DOCKER_HUB
        if "/" not in path:
            path = "library/" + path
    return host, path


def split(image: str) -> tuple[str, str]:
    """(registry host, repository path); raises ImageRefError for names Flux rejects."""
    if "://" in image:
        raise ImageRefError(f"image '{image}' should not include URL scheme")
    host, path = normalise(image)
    if not _PATH.match(path):
        raise ImageRefError(f"image '{image}': repository can only contain the characters "
                            "`abcdefghijklmnopqrstuvwxyz0123456789_-./`")
    return host, path


def canonical(image: str) -> str:
    host, path = split(image)
    return f"{host}/{path}"


def api_base(host: str, insecure: bool = False) -> str:
    h = DOCKER_API if host == DOCKER_HUB else host
    return ("http://" if insecure else "https://") + h


def repository_problem(image: str) -> Optional[str]:
    """What image-reflector-controller refuses in ImageRepository spec.image (None when fine)."""
    if "://" in image:
        scheme = image.split("://")[0] + "://"
        return f"image '{image}' should not include URL scheme; remove '{scheme}'"
    if "@" in image:
        return f"image '{image}' should not include a digest; remove '@{image.split('@', 1)[1]}'"
    last = image.rsplit("/", 1)[-1]
    if ":" in last and "/" in image or (":" in image and "/" not in image):
        tag = image.rsplit(":", 1)[1]
        return f"image '{image}' should not include a tag; remove ':{tag}'"
    parts = image.split("/")
    path = "/".join(parts[1:]) if len(parts) > 1 and _is_host(parts[0]) else image
    if not _PATH.match(path):
        return (f"image '{image}': repository can only contain the characters "
                "`abcdefghijklmnopqrstuvwxyz0123456789_-./`")
    return None


def reference(name: str, tag: str, digest: Optional[str] = None) -> str:
    """The full reference a policy's latestRef stands for: name:tag, or name:tag@digest."""
    return f"{name}:{tag}" + (f"@{digest}" if digest else "")


def is_reference(value: str) -> bool:
    """A full `name:tag[@sha256:...]` as the setters write it (what Flux's ParseReference accepts)."""
    return bool(_REFERENCE.match(value))


def repository_of(value: str) -> Optional[str]:
    """The repository name in a marked value (`host/path:tag@digest` -> `host/path`); None for a bare tag."""
    name = value.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last) + last.index(":")]
    return name if name else None


def same_repository(a: str, b: str) -> bool:
    """Whether two repository names denote the same repository (`nginx` == `docker.io/library/nginx`)."""
    return normalise(a) == normalise(b)


def switch(old: str, new: str) -> Optional[tuple[str, str]]:
    """(old repository, new repository) when writing `new` over `old` moves the value to another
    registry or repository; None when both name the same one (or either is a bare tag)."""
    a, b = repository_of(old), repository_of(new)
    if not a or not b or same_repository(a, b):
        return None
    return a, b
