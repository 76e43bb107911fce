"""simulate output: a header per policy with the winner, then every tag's verdict."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kubectl_imagewatch.flux import imageref
from kubectl_imagewatch.reflector.simulate import PolicyResult

if TYPE_CHECKING:
    from kubectl_imagewatch.api import SimulateResult

_C = {"selected": "\033[32m", "excluded": "\033[90m", "filtered": "\033[90m", "unparsable": "\033[33m",
      "out-of-range": "\033[33m", "lower": "", "candidate": ""}
SHOW = 12
MAX_PAD = 48  # tags longer than this are not padded (the column would be mostly blanks)


def safe(s: object) -> str:
    """Text from tags, registries and manifests as it may reach a terminal: characters that are not
    printable (newlines, escape sequences, lone surrogates) shown as Python escapes, so a value can
    neither break a line nor drive the terminal."""
    t = str(s)
    if t.isprintable():
        return t
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for c in t)


def _clip(s: str) -> str:
    """A long extracted value, abbreviated (a line per tag must not repeat 100 KB values)."""
    return s if len(s) <= 80 else f"{s[:60]}... ({len(s):,} characters)"


def render_text(results: list[PolicyResult], show_all: bool = False, color: bool = False) -> str:
    out: list[str] = []
    for r in results:
        s = r.selection
        head = f"ImagePolicy {safe(r.policy.ref)}"
        if r.repository is not None:
            head += f" (ImageRepository {safe(r.repository.ref)}, {safe(r.image)})"
        out.append(head)
        if r.ok:
            win = safe(imageref.reference(r.image, s.tag or "", r.digest))
            out.append(f"  latest: {(chr(27) + '[1;32m') if color else ''}{win}{(chr(27) + '[0m') if color else ''}"
                       f"  ({s.kind})")
        else:
            assert s.error is not None
            out.append(f"  FAILED ({s.error.reason}): {safe(s.error.message)}")
        for w in s.warnings:
            out.append(f"  warning: {safe(w)}")
        if not s.tags:
            out.append("")
            continue
        tags = s.tags
        hidden = 0
        if not show_all and len(tags) > SHOW:
            keep = [t for t in tags if t.verdict == "selected" or t.tag in s.tied]
            rest = [t for t in tags if t not in keep]
            room = max(SHOW - len(keep), 0)
            keep += rest[:room]
            hidden = len(tags) - len(keep)
            tags = sorted(keep, key=lambda t: t.tag, reverse=True)
        names = [safe(t.tag) for t in tags]
        width = min(max(len(n) for n in names), MAX_PAD)
        ew = min(max([len(t.extracted or "") for t in tags] + [0]), MAX_PAD)
        out.append(f"  {'TAG'.ljust(width)}  " + (f"{'EXTRACTED'.ljust(max(ew, 9))}  " if ew else "") + "VERDICT       WHY")
        for t, name in zip(tags, names):
            verdict = t.verdict.ljust(12)
            if color and _C.get(t.verdict):
                verdict = f"{_C[t.verdict]}{verdict}\033[0m"
            ext = f"{_clip(safe(t.extracted or '')).ljust(max(ew, 9))}  " if ew else ""
            out.append(f"  {name.ljust(width)}  {ext}{verdict}  {safe(t.detail)}")
        if hidden:
            counts: dict[str, int] = {}
            shown = {t.tag for t in tags}
            for t in s.tags:
                if t.tag not in shown:
                    counts[t.verdict] = counts.get(t.verdict, 0) + 1
            out.append(f"  ... {hidden} more ({', '.join(f'{n} {v}' for v, n in sorted(counts.items()))}); --all shows every tag")
        out.append("")
    ok = sum(1 for r in results if r.ok)
    out.append(f"{len(results)} policies: {ok} selected a tag, {len(results) - ok} failed")
    return "\n".join(out) + "\n"


def render_json(result: "SimulateResult") -> str:
    """{"policies": [...]} plus, when an automation covers them, the update it causes."""
    doc: dict = {"policies": [r.as_dict() for r in result.policies]}
    if result.update is not None:
        doc.update({"changes": result.update.changes_json(), "commits": result.update.commits_json(),
                    "warnings": result.update.warnings})
    return json.dumps(doc, indent=2) + "\n"
