"""JSON: {"findings": [...], "summary": {...}} (schema in docs/output.md)."""
from __future__ import annotations

import json
from typing import Optional

from kubectl_imagewatch.findings import Report, Severity
from kubectl_imagewatch.report.paths import shown


def render(report: Report, color: bool = False, root: Optional[str] = None) -> str:
    return json.dumps({
        "findings": [{**f.as_dict(), "path": shown(f.path, root)} for f in report.sorted()],
        "summary": {"files": report.files_checked, "objects": report.objects_checked,
                    "errors": report.count(Severity.ERROR), "warnings": report.count(Severity.WARNING),
                    "info": report.count(Severity.INFO)},
    }, indent=2) + "\n"
