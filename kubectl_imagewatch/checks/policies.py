"""ImagePolicy checks: the RE2 pattern, extract groups, the semver range, one policy choice."""
from __future__ import annotations

import re
from typing import Iterator

from kubectl_imagewatch.golang import regexp as goregex
from kubectl_imagewatch.checks.base import Context
from kubectl_imagewatch.checks.repositories import check_duration, regex_hint
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests.model import IMAGE_POLICY, FluxObject
from kubectl_imagewatch.reflector.policy import constraints

_REF = re.compile(r"\$(\$|\{([^}]*)\}|([A-Za-z0-9_]+))")



def _extract_refs(template: str) -> list[tuple[str, bool]]:
    """Group references in a Go Expand template: (name, braced)."""
    out = []
    for m in _REF.finditer(template):
        if m.group(1) == "$":
            continue
        out.append((m.group(2) if m.group(2) is not None else m.group(3), m.group(2) is not None))
    return out


def check(obj: FluxObject, ctx: Context) -> Iterator[Finding]:
    if obj.kind != IMAGE_POLICY:
        return
    spec = obj.spec
    pol = spec.get("policy")
    chosen = [k for k in ("semver", "alphabetical", "numerical") if isinstance(pol, dict) and pol.get(k) is not None]
    if isinstance(pol, dict) and not chosen:
        yield ctx.at(obj, ("spec", "policy"), "IW205", "spec.policy sets none of semver, alphabetical, numerical",
                     "Flux stalls with 'given ImagePolicyChoice object is invalid'; choose one")
    elif len(chosen) > 1:
        yield ctx.at(obj, ("spec", "policy"), "IW205",
                     f"spec.policy sets {', '.join(chosen)}; Flux silently uses only {chosen[0]}",
                     "keep exactly one policy")
    semver = pol.get("semver") if isinstance(pol, dict) else None
    if isinstance(semver, dict):
        rng = semver.get("range")
        if isinstance(rng, str):
            try:
                parsed = constraints.parse(rng)
            except constraints.ConstraintError as e:
                yield ctx.at(obj, ("spec", "policy", "semver", "range"), "IW204",
                             f"semver range {rng!r}: {e}",
                             "Masterminds syntax: '>=1.0.0 <2.0.0', '1.2.x', '^1.2', '~1.2.3', '1.0 - 2.0', 'a || b'")
            else:
                why = constraints.empty(parsed)
                if why:
                    yield ctx.at(obj, ("spec", "policy", "semver", "range"), "IW212",
                                 f"semver range {rng!r} can match no version: {why}; Flux fails with 'unable to "
                                 "determine latest version from provided list'",
                                 "swap the bounds (e.g. '>=6.0.0 <7.0.0'), or join alternatives with '||'")
    ft = spec.get("filterTags")
    unfiltered = not (isinstance(ft, dict) and ft.get("pattern"))
    if unfiltered and "numerical" in chosen[:1]:
        yield ctx.at(obj, ("spec", "policy", "numerical"), "IW211",
                     "numerical policy without filterTags.pattern: one tag that is not a number (latest, main, "
                     "sha256-….sig) fails the whole policy",
                     "add filterTags.pattern, e.g. '^[0-9]+$' or '^main-(?P<ts>[0-9]+)$' with extract '$ts'")
    elif unfiltered and "alphabetical" in chosen[:1]:
        yield ctx.at(obj, ("spec", "policy", "alphabetical"), "IW211",
                     "alphabetical policy without filterTags.pattern: every tag competes in byte order "
                     "(lowercase beats digits: 'latest' and 'sha256-…' outrank '2024-01-01')",
                     "add filterTags.pattern that matches only the tags you deploy")
    if isinstance(ft, dict):
        pattern, extract = ft.get("pattern"), ft.get("extract")
        rx = None
        if isinstance(pattern, str) and pattern:
            err = goregex.check(pattern)
            if err:
                yield ctx.at(obj, ("spec", "filterTags", "pattern"), "IW201", f"filterTags.pattern: {err}",
                             regex_hint(str(err), "exclude tags with the ImageRepository's exclusionList instead"))
            else:
                rx = goregex.compile(pattern)
        if isinstance(extract, str) and extract:
            if not pattern:
                yield ctx.at(obj, ("spec", "filterTags", "extract"), "IW203",
                             "filterTags.extract without a pattern: every group reference expands to ''",
                             "add a pattern with the named groups extract refers to")
            elif rx is not None:
                for name, braced in _extract_refs(extract):
                    known = name in rx.names or (name.isdigit() and int(name) <= rx.groups
                                                 and not (name[0] == "0" and len(name) > 1))
                    if known:
                        continue
                    m = re.match(r"(\d+)(\w+)", name)
                    if not braced and m and int(m.group(1)) <= rx.groups:
                        yield ctx.at(obj, ("spec", "filterTags", "extract"), "IW206",
                                     f"extract '${name}' is the group named '{name}', not group {m.group(1)} "
                                     f"followed by '{m.group(2)}'; it expands to ''",
                                     f"write ${{{m.group(1)}}}{m.group(2)}")
                    else:
                        import difflib

                        groups = ", ".join(sorted(rx.names)) or "none"
                        close = difflib.get_close_matches(name, sorted(rx.names), n=1, cutoff=0.6)
                        yield ctx.at(obj, ("spec", "filterTags", "extract"), "IW202",
                                     f"extract refers to group '{name}', which the pattern does not define "
                                     f"(named groups: {groups}); it expands to ''",
                                     f"did you mean ${close[0]}?" if close else
                                     "name the group in the pattern, e.g. (?P<version>...)")
    yield from check_duration(obj, ctx, "interval")
    if spec.get("digestReflectionPolicy") == "Always" and not spec.get("interval"):
        yield ctx.at(obj, ("spec", "digestReflectionPolicy"), "IW210",
                     "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
                     "add spec.interval (e.g. 10m)")
