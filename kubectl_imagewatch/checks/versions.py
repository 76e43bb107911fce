"""apiVersion checks: unknown versions, versions current Flux no longer serves, missing names."""
from __future__ import annotations

from typing import Iterator

from kubectl_imagewatch.checks import schema
from kubectl_imagewatch.checks.base import Context
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests.model import RETIRED, FluxObject


def check(obj: FluxObject, ctx: Context) -> Iterator[Finding]:
    if not schema.known(obj.api_version, obj.kind):
        served = ", ".join(f"{obj.api_version.partition('/')[0]}/{v}" for v in schema.served_versions(obj.kind))
        yield ctx.at(obj, ("apiVersion",), "IW010", f"{obj.kind} is not served as {obj.api_version} by any Flux release",
                     f"use one of: {served}")
        return
    retired = RETIRED.get((obj.kind, obj.version))
    if retired:
        yield ctx.at(obj, ("apiVersion",), "IW011",
                     f"{obj.api_version} {obj.kind} is not served by current Flux; last served by {retired}",
                     f"migrate to {obj.api_version.partition('/')[0]}/v1")
    if not obj.name:
        yield ctx.at(obj, ("metadata",), "IW012", "metadata.name is missing", "every object needs a name")
