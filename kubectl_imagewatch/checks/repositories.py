"""ImageRepository checks: exclusionList patterns, durations, the image reference."""
from __future__ import annotations

from typing import Iterator

from kubectl_imagewatch.flux.imageref import repository_problem
from kubectl_imagewatch.golang import duration as goduration, regexp as goregex
from kubectl_imagewatch.checks.base import Context, as_str
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests.model import IMAGE_REPOSITORY, FluxObject


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
        why = repository_problem(image)
        if why:
            yield ctx.at(obj, ("spec", "image"), "IW209", why, "spec.image is the repository only: host/path")
