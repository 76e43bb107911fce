"""The one value every check yields: a Finding with a position, a stable id and a fix hint.

Checks never print; reporters format a Report; only the CLI turns it into an exit code.
"""
from __future__ import annotations

import dataclasses
import enum
from typing import Iterable

from kubectl_imagewatch.errors import ExitCode


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclasses.dataclass(frozen=True)
class Finding:
    path: str
    line: int  # 1-based; 0 when the finding is about the whole file
    column: int  # 1-based
    severity: Severity
    check: str  # stable id, e.g. IW101
    message: str
    hint: str = ""

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.check, self.message)

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "column": self.column,
                "severity": self.severity.value, "check": self.check,
                "message": self.message, "hint": self.hint}


@dataclasses.dataclass
class Report:
    findings: list[Finding] = dataclasses.field(default_factory=list)
    files_checked: int = 0
    objects_checked: int = 0

    def extend(self, items: Iterable[Finding]) -> None:
        self.findings.extend(items)

    def sorted(self) -> list[Finding]:
        seen: set[Finding] = set()
        out = []
        for f in sorted(self.findings, key=Finding.sort_key):
            if f not in seen:
                seen.add(f)
                out.append(f)
        return out

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.sorted() if f.severity is severity)

    def exit_code(self, strict: bool = False) -> int:
        """0 clean, 1 errors (or warnings with strict)."""
        if self.count(Severity.ERROR) or (strict and self.count(Severity.WARNING)):
            return ExitCode.FINDINGS
        return ExitCode.OK
