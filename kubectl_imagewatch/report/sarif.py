"""SARIF 2.1.0 for code scanning: rules from the CHECKS table, stable fingerprints."""
from __future__ import annotations

import hashlib
import json

from kubectl_imagewatch import __version__
from kubectl_imagewatch.checks import CHECKS
from kubectl_imagewatch.findings import Report

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
DOCS = "https://github.com/kubectl-imagewatch/kubectl-imagewatch/blob/main/docs/checks.md"


def render(report: Report, color: bool = False) -> str:
    findings = report.sorted()
    used = sorted({f.check for f in findings})
    rules = [{"id": c, "name": CHECKS[c].slug, "shortDescription": {"text": CHECKS[c].summary},
              "helpUri": f"{DOCS}#{c.lower()}",
              "defaultConfiguration": {"level": _LEVEL[CHECKS[c].severity.value]}} for c in used]
    results = []
    for f in findings:
        fp = hashlib.sha256(f"{f.check}|{f.path}|{f.message}".encode()).hexdigest()[:32]
        results.append({
            "ruleId": f.check, "ruleIndex": used.index(f.check), "level": _LEVEL[f.severity.value],
            "message": {"text": f.message + (f" Hint: {f.hint}" if f.hint else "")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.path.lstrip("./") if f.path.startswith("./") else f.path},
                                                "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)}}}],
            "partialFingerprints": {"imagewatch/v1": fp},
        })
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "kubectl-imagewatch", "version": __version__,
                                         "informationUri": DOCS, "rules": rules}}, "results": results}]}
    return json.dumps(doc, indent=2) + "\n"
