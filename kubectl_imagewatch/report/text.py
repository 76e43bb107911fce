"""`file:line:column: severity id message` (the GNU/yamllint shape editors jump to), an indented
hint, and a summary line."""
from __future__ import annotations

from typing import Optional

from kubectl_imagewatch.findings import Report, Severity
from kubectl_imagewatch.report.paths import shown

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}


def render(report: Report, color: bool = False, root: Optional[str] = None) -> str:
    lines = []
    for f in report.sorted():
        sev = f.severity.value
        if color:
            sev = f"{_COLORS[f.severity]}{sev}\033[0m"
        lines.append(f"{shown(f.path, root)}:{f.line}:{f.column}: {sev} {f.check} {f.message}")
        if f.hint:
            lines.append(f"  hint: {f.hint}")
    e, w = report.count(Severity.ERROR), report.count(Severity.WARNING)
    i = report.count(Severity.INFO)
    lines.append(f"{report.files_checked} files, {report.objects_checked} Flux objects: "
                 f"{e} errors, {w} warnings, {i} info")
    return "\n".join(lines) + "\n"
