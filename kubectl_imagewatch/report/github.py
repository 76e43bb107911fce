"""GitHub Actions workflow commands: ::error file=F,line=L,col=C,title=ID::message."""
from __future__ import annotations

from kubectl_imagewatch.findings import Report

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _esc(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    return _esc(s).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, color: bool = False) -> str:
    out = []
    for f in report.sorted():
        msg = f.message + (f" (hint: {f.hint})" if f.hint else "")
        out.append(f"::{_LEVEL[f.severity.value]} file={_prop(f.path)},line={max(f.line, 1)},col={max(f.column, 1)},"
                   f"title={f.check}::{_esc(msg)}")
    return "\n".join(out) + ("\n" if out else "")
