"""diff output: text for a terminal, JSON (docs/output.md), Markdown for a PR comment or step summary.

Only what moved is shown unless `show_all`. Markdown cells are escaped (manifest values are
untrusted: a `|` in a regex must not break the table, `<` must not open HTML) and the detail
section is capped so a large change still fits a GitHub step summary (1 MiB).
"""
from __future__ import annotations

import difflib
import json
import re
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from kubectl_imagewatch.review import DiffResult
    from kubectl_imagewatch.review.compare import AutomationDiff, PolicyDiff

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # control characters but tab and newline
MAX_DETAILS = 200_000  # characters of the collapsible section
MAX_CELL = 400
MAX_ROWS = 250  # per table: a step summary holds 1 MiB


def _inert(text: str) -> str:
    """Control characters from manifests or registries escaped (no terminal escape reaches a screen)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _shown(items: list, show_all: bool) -> list:
    return [x for x in items if show_all or x.moved]


def _tag(w: Optional[dict]) -> str:
    if w is None:
        return "-"
    return str(w["tag"]) + (f"@{w['digest']}" if w.get("digest") else "")


def _change_line(c: dict) -> str:
    return f"{c.get('repoFile')}:{c.get('line')} {c.get('setter')}: {c.get('oldValue')} -> {c.get('newValue')}"


def _change_lines(a: "AutomationDiff") -> list[str]:
    """Before/after changes as a diff (same text: one line, unprefixed)."""
    def key(c: dict) -> str:
        return f"{c.get('repoFile')} {c.get('setter')}: {c.get('oldValue')} -> {c.get('newValue')}"

    before = {key(c): c for c in a.before}
    after = {key(c): c for c in a.after}
    out = []
    for k in sorted(set(before) | set(after)):
        mark = " " if k in before and k in after else "-" if k in before else "+"
        out.append(f"{mark} {_change_line(after.get(k) or before[k])}")
    return out


def _message_lines(a: "AutomationDiff") -> list[str]:
    mb, ma = a.message["before"] or "", a.message["after"] or ""
    if mb == ma:
        return []
    lines = difflib.unified_diff(mb.splitlines(), ma.splitlines(), "before", "after", lineterm="", n=100)
    return [ln for ln in list(lines)[2:] if not ln.startswith("@@")]


def _summary(r: "DiffResult") -> str:
    pm = [p for p in r.policies if p.moved]
    am = [a for a in r.automations if a.moved]
    if not pm and not am:
        return (f"no policy winner moved and no automation commit differs ({len(r.policies)} policies, "
                f"{len(r.automations)} automations compared)")
    counts: dict[str, int] = {}
    for p in pm:
        counts[p.change] = counts.get(p.change, 0) + 1
    detail = ", ".join(f"{n} {c}" for c, n in sorted(counts.items()))
    return (f"{len(pm)} policy winner(s) moved" + (f" ({detail})" if detail else "") +
            f", {len(am)} automation commit(s) differ; {len(r.policies) - len(pm)} policies unchanged")


def render_text(r: "DiffResult", show_all: bool = False) -> str:
    out = [f"diff {r.base} ({r.commit[:12]}) -> work tree"]
    for w in r.warnings:
        out.append(f"warning: {w}")
    for p in _shown(r.policies, show_all):
        out.append(f"ImagePolicy {p.namespace}/{p.name}: {p.change}: {_tag(p.before)} -> {_tag(p.after)}")
        if p.reason:
            out.append(f"  {p.reason}")
    for a in _shown(r.automations, show_all):
        out.append(f"ImageUpdateAutomation {a.namespace}/{a.name}: {a.change}: "
                   f"{len(a.before)} -> {len(a.after)} change(s)")
        if a.reason:
            out.append(f"  {a.reason}")
        out.extend("  " + ln for ln in _change_lines(a))
        for side in ("before", "after"):
            if a.error[side]:
                out.append(f"  {side}: FAILED: {a.error[side]}")
        msg = _message_lines(a)
        if msg:
            out.append("  commit message:")
            out.extend("  " + ln for ln in msg)
    out.append(_summary(r))
    return _inert("\n".join(out) + "\n")


def render_json(r: "DiffResult", show_all: bool = False) -> str:
    doc = r.as_dict()
    doc["policies"] = [p.as_dict() for p in _shown(r.policies, show_all)]
    doc["automations"] = [a.as_dict() for a in _shown(r.automations, show_all)]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<|~])")  # inline context: `>`, `#` only matter at a line start


def cell(s: str) -> str:
    """Plain text safe in a GFM table cell: one line, Markdown and HTML characters escaped."""
    s = " ".join(str(s).split())
    if len(s) > MAX_CELL:
        s = s[:MAX_CELL] + "…"
    return _MD_SPECIAL.sub(r"\\\1", s.replace("&", "&amp;"))


def code(s: str) -> str:
    """An inline code span for a table cell (backticks fenced by a longer run, pipes escaped)."""
    s = " ".join(str(s).split())[:MAX_CELL]
    run = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (run + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s.replace('|', chr(92) + '|')}{pad}{fence}"


def _block(lines: list[str], lang: str = "") -> list[str]:
    text = "\n".join(lines)
    run = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (run + 1)
    return [fence + lang, text, fence]


def _why(p: "PolicyDiff") -> str:
    """The reason with field values as code spans (regexes and ranges read as written)."""
    from kubectl_imagewatch.review.compare import show

    fields = [f"{cell(f.field)} {code(show(f.before))} → {code(show(f.after))}" for f in p.fields]
    return "; ".join(fields + ([cell(p.story)] if p.story else [])) if fields else cell(p.reason)


def _policy_row(p: "PolicyDiff") -> str:
    before = code(_tag(p.before)) if p.before else "–"
    after = code(_tag(p.after)) if p.after else "–"
    return f"| {p.change} | {code(p.namespace + '/' + p.name)} | {before} | {after} | {_why(p)} |"


def _automation_row(a: "AutomationDiff") -> str:
    return (f"| {a.change} | {code(a.namespace + '/' + a.name)} | {len(a.before)} change(s) | "
            f"{len(a.after)} change(s) | {cell(a.reason)} |")


def _more(n: int) -> list[str]:
    return [f"| | … {n - MAX_ROWS} more (`-o json` lists every one) | | | |"] if n > MAX_ROWS else []


def render_markdown(r: "DiffResult", show_all: bool = False) -> str:
    pols, autos = _shown(r.policies, show_all), _shown(r.automations, show_all)
    summary = _summary(r)
    out = [f"### Image automation: {code(r.base)} ({code(r.commit[:12])}) → this change", "",
           cell(summary[:1].upper() + summary[1:]), ""]
    if pols:
        out += ["| | ImagePolicy | before | after | why |", "|---|---|---|---|---|"]
        out += [_policy_row(p) for p in pols[:MAX_ROWS]] + _more(len(pols)) + [""]
    if autos:
        out += ["| | ImageUpdateAutomation | before | after | why |", "|---|---|---|---|---|"]
        out += [_automation_row(a) for a in autos[:MAX_ROWS]] + _more(len(autos)) + [""]
    details: list[str] = []
    for a in autos[:MAX_ROWS]:
        body = _change_lines(a)
        for side in ("before", "after"):
            if a.error[side]:
                body.append(f"{'-' if side == 'before' else '+'} FAILED: {a.error[side]}")
        msg = _message_lines(a)
        if msg:
            body += ["", "commit message:"] + msg
        if body:
            details += [f"**ImageUpdateAutomation {cell(a.namespace + '/' + a.name)}**", ""] + _block(body, "diff") + [""]
    if r.warnings:
        details += ["**Warnings**", ""] + [f"- {cell(w)}" for w in r.warnings] + [""]
    if details:
        text = "\n".join(details)
        if len(text) > MAX_DETAILS:
            text = text[:MAX_DETAILS].rsplit("\n", 1)[0] + "\n```\n\n(truncated; run `kubectl imagewatch diff` locally)"
        out += ["<details><summary>Details</summary>", "", text, "</details>", ""]
    return _inert("\n".join(out))
