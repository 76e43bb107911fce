"""GitHub Actions workflow commands (::error file=F,line=L,col=C,title=ID::message), and the step
summary for when GitHub would drop annotations (it shows at most ANNOTATION_CAP of each level per step)."""
from __future__ import annotations

from typing import Optional

from kubectl_imagewatch.findings import Report
from kubectl_imagewatch.report.paths import shown

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
ANNOTATION_CAP = 10


def _esc(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _esc(s).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, color: bool = False, root: Optional[str] = None) -> str:
    out = []
    for f in report.sorted():
        msg = f.message + (f" (hint: {f.hint})" if f.hint else "")
        out.append(f"::{_LEVEL[f.severity.value]} file={_prop(shown(f.path, root))},line={max(f.line, 1)},"
                   f"col={max(f.column, 1)},title={f.check}::{_esc(msg)}")
    return "\n".join(out) + ("\n" if out else "")


def capped(report: Report) -> bool:
    """True when GitHub would show only some of the annotations."""
    per_level: dict[str, int] = {}
    for f in report.sorted():
        per_level[f.severity.value] = per_level.get(f.severity.value, 0) + 1
    return any(n > ANNOTATION_CAP for n in per_level.values())


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def summary(report: Report, root: Optional[str] = None) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: every finding, since the annotations were capped."""
    findings = report.sorted()
    counts = {lvl: sum(1 for f in findings if f.severity.value == lvl) for lvl in _LEVEL}
    lines = ["### kubectl-imagewatch validate", "",
             f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} info in "
             f"{report.files_checked} files; GitHub shows at most {ANNOTATION_CAP} annotations of each level, "
             "so here is every finding.", "",
             "| severity | check | location | message |", "| --- | --- | --- | --- |"]
    for f in findings:
        msg = f.message + (f" (hint: {f.hint})" if f.hint else "")
        lines.append(f"| {f.severity.value} | {f.check} | `{_cell(shown(f.path, root))}:{f.line}:{f.column}` | {_cell(msg)} |")
    return "\n".join(lines) + "\n"
