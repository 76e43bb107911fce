"""SARIF 2.1.0 for code scanning: rules from the CHECKS table, stable fingerprints."""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
from typing import Optional

from kubectl_imagewatch import __version__
from kubectl_imagewatch.checks import CHECKS
from kubectl_imagewatch.findings import Report
from kubectl_imagewatch.report.paths import shown

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DOCS = "https://github.com/kubectl-imagewatch/kubectl-imagewatch/blob/main/docs/checks.md"


def _text(message: str, hint: str) -> str:
    if not hint:
        return message
    return f"{message}{'' if message.endswith('.') else '.'} Hint: {hint}"


def _uri(path: str) -> str:
    """Repository-relative paths as they are; a file outside the repository as a file:// URI."""
    return pathlib.Path(path).as_uri() if os.path.isabs(path) else path


def render(report: Report, color: bool = False, root: Optional[str] = None) -> str:
    findings = report.sorted()
    used = sorted({f.check for f in findings})
    rules = [{"id": c, "name": CHECKS[c].slug, "shortDescription": {"text": CHECKS[c].summary},
              "helpUri": f"{DOCS}#{c.lower()}",
              "defaultConfiguration": {"level": _LEVEL[CHECKS[c].severity.value]}} for c in used]
    results = []
    for f in findings:
        path = shown(f.path, root)
        fp = hashlib.sha256(f"{f.check}|{path}|{f.message}".encode("utf-8", "surrogatepass")).hexdigest()[:32]
        results.append({
            "ruleId": f.check, "ruleIndex": used.index(f.check), "level": _LEVEL[f.severity.value],
            "message": {"text": _text(f.message, f.hint)},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(path)},
                                                "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)}}}],
            "partialFingerprints": {"imagewatch/v1": fp},
        })
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "kubectl-imagewatch", "version": __version__,
                                         "informationUri": DOCS, "rules": rules}}, "results": results}]}
    return json.dumps(doc, indent=2) + "\n"
