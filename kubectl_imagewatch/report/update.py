"""update/simulate output: changes, warnings, unified diff and commit messages."""
from __future__ import annotations

import json

from kubectl_imagewatch.automation.plan import UpdatePlan


def render_text(up: UpdatePlan, diff: bool = False, color: bool = False, written: list | None = None,
                commits: list | None = None) -> str:
    out = []
    for w in up.warnings:
        out.append(f"warning: {w}")
    for n in up.notes:
        out.append(f"note: {n}")
    for a in up.automations:
        head = f"ImageUpdateAutomation {a.automation.ref}"
        if a.error:
            out.append(f"{head}: FAILED: {a.error}")
            continue
        if not a.changes:
            out.append(f"{head}: no changes")
            continue
        out.append(f"{head}: {len(a.changes)} change(s) in {len(a.files)} file(s)")
        for c in a.changes:
            out.append(f"  {c.repo_file}:{c.line} {c.setter}: {c.old} -> {c.new}")
        out.append("  commit message:")
        out.extend("    " + line for line in (a.message or "").splitlines() or [""])
    if diff:
        d = up.diff()
        if d:
            if color:
                d = "\n".join(("\033[32m" + x + "\033[0m") if x.startswith("+") and not x.startswith("+++") else
                              ("\033[31m" + x + "\033[0m") if x.startswith("-") and not x.startswith("---") else x
                              for x in d.splitlines()) + "\n"
            out.append("")
            out.append(d.rstrip("\n"))
    if written is not None:
        out.append(f"wrote {len(written)} file(s)" + (": " + ", ".join(written) if written else ""))
    out.extend(f"committed {sha[:7]}" for sha in commits or [])
    return "\n".join(out) + "\n"


def render_json(up: UpdatePlan, extra: dict | None = None) -> str:
    doc = {"changes": up.changes_json(), "commits": up.commits_json(), "warnings": up.warnings, "notes": up.notes}
    if extra:
        doc.update(extra)
    return json.dumps(doc, indent=2) + "\n"
