"""apiVersion checks: versions no Flux release served, versions current Flux retired, missing names.

Both verdicts come from the one release table (flux/releases.py): a version some Flux release served
is never called unknown, and the hint names only a version current Flux serves.
"""
from __future__ import annotations

from typing import Iterator

from kubectl_imagewatch.checks.base import Context
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.flux import releases
from kubectl_imagewatch.manifests.model import FluxObject


def check(obj: FluxObject, ctx: Context) -> Iterator[Finding]:
    group = obj.api_version.partition("/")[0]
    served = releases.lookup(obj.api_version, obj.kind)
    target = releases.migrate_to(group, obj.kind)
    if served is None:
        yield ctx.at(obj, ("apiVersion",), "IW010", f"no Flux release served {obj.kind} as {obj.api_version}",
                     f"use {target}")
    elif not served.current:
        yield ctx.at(obj, ("apiVersion",), "IW011",
                     f"{obj.api_version} {obj.kind}: {served.retired_text()}; migrate to {target}",
                     "current Flux's API server rejects it; objects a cluster stored in it need `flux migrate`")
    if not obj.name:
        yield ctx.at(obj, ("metadata",), "IW012", "metadata.name is missing", "every object needs a name")
