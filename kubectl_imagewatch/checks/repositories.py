"""ImageRepository checks: exclusionList patterns, durations, the image reference."""
from __future__ import annotations

from typing import Iterator

from kubectl_imagewatch.flux.imageref import repository_problem
from kubectl_imagewatch.golang import duration as goduration, regexp as goregex
from kubectl_imagewatch.checks.base import Context, as_str
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests.model import IMAGE_REPOSITORY, FluxObject

def regex_hint(err: str, lookaround_fix: str) -> str:
    """The fix for Go's regexp error as it reads (a missing parenthesis is not a lookaround)."""
    if "missing closing )" in err:
        return "a '(' has no matching ')': count the parentheses"
    if "unexpected )" in err:
        return "a ')' has no matching '(': remove it or escape it as \\)"
    if "missing closing ]" in err:
        return "a '[' has no matching ']': close the character class, or escape it as \\["
    if "Perl syntax: `(?=" in err or "Perl syntax: `(?!" in err or "Perl syntax: `(?<" in err:
        return f"Go's RE2 has no lookaheads or lookbehinds; {lookaround_fix}"
    if "invalid escape sequence: `\\" in err and err.rstrip("`").rstrip()[-1:].isdigit():
        return "Go's RE2 has no backreferences (\\1); match the text again explicitly"
    if "invalid escape sequence" in err:
        return "RE2 does not know this escape (\\Z is \\z in Go; \\d, \\w, \\s, \\b work)"
    if "nested repetition" in err:
        return "RE2 has no possessive (a*+) or doubled quantifiers: use one of *, +, ?"
    if "repeat count" in err:
        return "a repeat count in RE2 is at most {1000}"
    if "named capture" in err:
        return "write named groups as (?P<name>...) with letters, digits and _"
    return "see Go's RE2 syntax: https://github.com/google/re2/wiki/Syntax"


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
                                 regex_hint(str(err), "write the tags to exclude as plain patterns")
                                 + "; the scan fails until it compiles")
    for field in ("interval", "timeout"):
        yield from check_duration(obj, ctx, field)
    image = as_str(obj.spec.get("image"))
    if image:
        why = repository_problem(image)
        if why:
            yield ctx.at(obj, ("spec", "image"), "IW209", why, "spec.image is the repository only: host/path")
