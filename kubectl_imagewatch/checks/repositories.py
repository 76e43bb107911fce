"""ImageRepository checks: exclusionList patterns, durations, the image reference."""
from __future__ import annotations

import re
from typing import Iterator

from kubectl_imagewatch.golang import duration as goduration, regexp as goregex
from kubectl_imagewatch.checks.base import Context, as_str
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests.model import IMAGE_REPOSITORY, FluxObject

_PATH_CHARS = re.compile(r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*\Z")


def image_problem(image: str) -> str | None:
    """What the controller (go-containerregistry + Flux's checks) refuses in spec.image."""
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
    path = "/".join(parts[1:]) if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost") else image
    if not _PATH_CHARS.match(path):
        return (f"image '{image}': repository can only contain the characters "
                "`abcdefghijklmnopqrstuvwxyz0123456789_-./`")
    return None


def check_duration(obj: FluxObject, ctx: Context, field: str) -> Iterator[Finding]:
    val = obj.spec.get(field)
    if not isinstance(val, str):
        return
    try:
        goduration.parse(val)
    except goduration.DurationError as e:
        yield ctx.at(obj, ("spec", field), "IW208", f"spec.{field} {val!r}: {e}",
                     "use a Go duration such as 30s, 5m, 1h")


def check(obj: FluxObject, ctx: Context) -> Iterator[Finding]:
    if obj.kind != IMAGE_REPOSITORY:
        return
    excl = obj.spec.get("exclusionList")
    if isinstance(excl, list):
        for i, p in enumerate(excl):
            if isinstance(p, str):
                err = goregex.check(p)
                if err:
                    yield ctx.at(obj, ("spec", "exclusionList", i), "IW207", f"exclusionList[{i}]: {err}",
                                 "Go's RE2 has no lookarounds or backreferences; the scan fails with this pattern")
    for field in ("interval", "timeout"):
        yield from check_duration(obj, ctx, field)
    image = as_str(obj.spec.get("image"))
    if image:
        why = image_problem(image)
        if why:
            yield ctx.at(obj, ("spec", "image"), "IW209", why, "spec.image is the repository only: host/path")
