"""Marker checks: every `$imagepolicy` comment resolves, is selected and sits where Flux reads it."""
from __future__ import annotations

import os
from typing import Iterator, Optional

from kubectl_imagewatch.flux import imageref, markers, selector, updatepath
from kubectl_imagewatch.checks.base import Context
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests.inventory import MarkerFile
from kubectl_imagewatch.manifests.loader import flux_reads
from kubectl_imagewatch.manifests.model import IMAGE_POLICY, IMAGE_UPDATE_AUTOMATION, FluxObject


def targets(ctx: Context) -> list[tuple[FluxObject, updatepath.UpdateTarget]]:
    """Every automation with its update.path resolved (once) as Flux's securejoin does."""
    if not ctx.repo_root:
        return []
    return [(a, updatepath.of_automation(a, ctx.repo_root)) for a in ctx.inventory.of_kind(IMAGE_UPDATE_AUTOMATION)]


def covering(mf: MarkerFile, resolved: list[tuple[FluxObject, updatepath.UpdateTarget]]) -> list[FluxObject]:
    """The automations whose update.path holds this file."""
    if not mf.abspath:
        return []
    real = os.path.realpath(mf.abspath)
    return [auto for auto, target in resolved if updatepath.within(real, target.path)]


def _policy(ctx: Context, key: str) -> Optional[FluxObject]:
    ns, _, name = key.partition(":")
    return ctx.inventory.get(IMAGE_POLICY, ns, name)


def check_set(ctx: Context) -> Iterator[Finding]:
    resolved = targets(ctx)
    for mf in ctx.inventory.marker_files:
        if mf.parse_failed:
            yield ctx.file(mf.path, 0, 0, "IW406",
                           "file contains \"$imagepolicy\" markers but does not parse as YAML: Flux skips it silently",
                           "Helm templates and other non-YAML files cannot carry markers")
            continue
        found, mentions = markers.scan(mf.text, mf.nodes)
        for m in mentions:
            cid = "IW405" if m.reason.startswith("the comment is not on a scalar") else "IW401"
            yield ctx.file(mf.path, m.line, m.col, cid, f"Flux ignores this marker: {m.reason}", _mention_hint(m))
        if found and not flux_reads(mf.path):
            yield ctx.file(mf.path, found[0].comment_line, found[0].comment_col, "IW406",
                           "Flux only reads *.yaml, *.yml and files named Kustomization; these markers never apply",
                           "rename the file")
        autos = covering(mf, resolved)
        if found and not autos and ctx.repo_root and ctx.inventory.of_kind(IMAGE_UPDATE_AUTOMATION):
            yield ctx.file(mf.path, found[0].comment_line, found[0].comment_col, "IW409",
                           "no ImageUpdateAutomation's update.path covers this file: its markers are never applied",
                           "check spec.update.path of the automations (relative to the repository root)")
        for mk in found:
            yield from _check_marker(ctx, mf, mk, autos)


_EXAMPLE = '# {"$imagepolicy": "ns:name"}'


def _mention_hint(m: markers.Mention) -> str:
    """The fix for the reason Flux ignores the comment (quoting, key case, position, JSON shape)."""
    r = m.reason
    if "double quotes" in r:
        return f"write the marker as JSON with double quotes: image: repo:1.0 {_EXAMPLE}"
    if "case-sensitive" in r or "no \"$imagepolicy\" key" in r:
        return f'the key is exactly "$imagepolicy", all lower case: {_EXAMPLE}'
    if r.startswith("the comment is not on a scalar"):
        return f"move the comment to the end of the value's line: image: repo:1.0 {_EXAMPLE}"
    if "string" in r:
        return f'quote the value: {_EXAMPLE}'
    return f"one JSON object and nothing else after the '#': image: repo:1.0 {_EXAMPLE}"


def _check_marker(ctx: Context, mf: MarkerFile, m: markers.Marker, autos: list[FluxObject]) -> Iterator[Finding]:
    line, col = m.comment_line, m.comment_col
    why = markers.setter_problem(m.setter)
    if why:
        yield ctx.file(mf.path, line, col, "IW402", f"marker {m.setter!r}: {why}",
                       "e.g. flux-system:podinfo, flux-system:podinfo:tag")
        return
    yield from _shape(ctx, mf, m)
    pol = _policy(ctx, m.policy)
    if pol is None:
        yield _unknown_policy(ctx, mf, m)
        return
    if autos:
        ok = [a for a in autos if a.namespace == pol.namespace and selector.matches(a.spec.get("policySelector"), pol.labels)]
        if not ok:
            reasons = []
            for a in autos:
                if a.namespace != pol.namespace:
                    reasons.append(f"{a.ref} only sees policies in namespace {a.namespace}")
                else:
                    reasons.append(f"{a.ref}'s policySelector does not match the policy's labels")
            if any(a.namespace != pol.namespace for a in autos):
                fix = (f"Flux leaves the field unchanged without a word: use a policy in namespace {autos[0].namespace} "
                       "(an automation only sees policies in its own namespace)")
            else:
                fix = ("Flux leaves the field unchanged without a word: give the policy the labels the automation's "
                       "policySelector matches, or widen the selector")
            yield ctx.file(mf.path, line, col, "IW404",
                           f"marker names {m.policy}, but no automation covering this file uses it: {'; '.join(reasons)}",
                           fix)
    if m.suffix == ":digest" and (pol.spec.get("digestReflectionPolicy") in (None, "Never")):
        yield ctx.file(mf.path, line, col, "IW407",
                       f"{m.setter}: the policy reflects no digest (digestReflectionPolicy Never); Flux writes an empty value",
                       "set spec.digestReflectionPolicy: IfNotPresent (or Always with interval) on the policy")
    yield from _repository_switch(ctx, mf, m, pol)


def _unknown_policy(ctx: Context, mf: MarkerFile, m: markers.Marker) -> Finding:
    """IW403, or IW410 saying what is unknown: a same-named policy whose namespace is only set when it is
    applied (no metadata.namespace, kustomize namespace or targetNamespace) may well be this one, so no
    "did you mean" that would break it."""
    ns, _, name = m.policy.partition(":")
    same = [p for p in ctx.inventory.of_kind(IMAGE_POLICY) if p.name == name]
    floating = [p for p in same if not p.namespace_given]
    where = mf.path
    if floating:
        p = floating[0]
        return ctx.file(where, m.comment_line, m.comment_col, "IW410",
                        f"marker names ImagePolicy {m.policy}; the scanned files hold an ImagePolicy {name} "
                        f"({p.doc.path}) whose namespace is only set where it is applied (no metadata.namespace, or "
                        f"several Flux Kustomizations apply it), so whether it is {ns} is unknown here",
                        f"if it is applied into {ns} (e.g. a Flux Kustomization's targetNamespace in another "
                        f"repository), pass --default-namespace {ns}")
    known = [p for p in same if p.namespace_given]
    hint = "check the namespace and name, or include the policy's file"
    if not same:
        import difflib

        keys = [f"{p.namespace}:{p.name}" for p in ctx.inventory.of_kind(IMAGE_POLICY) if p.namespace_given]
        close = difflib.get_close_matches(m.policy, keys, n=1, cutoff=0.75)
        if close:
            hint = f"did you mean {close[0]}?"
    if known:
        hint = (f"the scanned files have {', '.join(p.namespace + ':' + p.name for p in known[:3])}; if the marker means "
                "one of them, fix its namespace (a policy in another repository is not seen here)")
    return ctx.file(where, m.comment_line, m.comment_col, "IW403",
                    f"marker names ImagePolicy {m.policy}, which is not in the scanned files", hint)


def _shape(ctx: Context, mf: MarkerFile, m: markers.Marker) -> Iterator[Finding]:
    """IW408 from the marker and its value alone: the policy need not be in the scanned files."""
    line, col = m.comment_line, m.comment_col
    value = m.scalar.value
    last = value.rsplit("/", 1)[-1]
    if m.suffix == ":tag" and (":" in last or "/" in value):
        yield ctx.file(mf.path, line, col, "IW408",
                       f"':tag' marker on {value!r}: Flux replaces the whole value with just the tag",
                       "use the marker without suffix for image:tag values, or split name and tag")
    elif m.suffix == "" and value and "/" not in value and ":" not in value:
        yield ctx.file(mf.path, line, col, "IW408",
                       f"full-reference marker on {value!r}, which looks like a tag: Flux writes name:tag here",
                       "use the ':tag' suffix for tag-only fields")
    elif m.suffix == ":name" and ":" in last:
        yield ctx.file(mf.path, line, col, "IW408",
                       f"':name' marker on {value!r}: Flux replaces it with the image name, dropping the tag",
                       "use the marker without suffix for image:tag values")


def _repository_switch(ctx: Context, mf: MarkerFile, m: markers.Marker, pol: FluxObject) -> Iterator[Finding]:
    """Flux writes the ImageRepository's spec.image: a marked value naming another repository moves."""
    if m.suffix not in ("", ":name"):
        return
    repo = ctx.inventory.repository_for(pol)
    if repo is None:
        return
    image = repo.spec.get("image")
    value = m.scalar.value
    if not isinstance(image, str) or not image or (m.suffix == "" and "/" not in value and ":" not in value):
        return
    moved = imageref.switch(value, image + ":x")
    if moved:
        yield ctx.file(mf.path, m.comment_line, m.comment_col, "IW408",
                       f"marked value is {moved[0]}, but the policy's ImageRepository {repo.ref} scans {image}: "
                       f"the first update moves this field to {image}",
                       "point the ImageRepository at the image used here, or the marker at the right policy")
