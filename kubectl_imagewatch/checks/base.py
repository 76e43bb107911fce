"""What every check family gets: the inventory, options and a finding factory."""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Optional

from kubectl_imagewatch.checks import CHECKS
from kubectl_imagewatch.findings import Finding, Severity
from kubectl_imagewatch.manifests.inventory import Inventory
from kubectl_imagewatch.manifests.model import FluxObject


@dataclasses.dataclass
class Context:
    inventory: Inventory
    repo_root: Optional[str] = None
    flux_release: Optional[str] = None  # e.g. "2.6" to emulate an older controller for templates

    def __post_init__(self) -> None:
        if self.repo_root:
            self.repo_root = os.path.abspath(self.repo_root)

    def at(self, obj: FluxObject, path: tuple, check: str, message: str, hint: str = "",
           severity: Optional[Severity] = None, key: bool = False) -> Finding:
        line, col = obj.key_pos(*path) if key else obj.pos(*path)
        return Finding(obj.doc.path, line, col, severity or CHECKS[check].severity, check, message, hint)

    def file(self, path: str, line: int, col: int, check: str, message: str, hint: str = "",
             severity: Optional[Severity] = None) -> Finding:
        return Finding(path, line, col, severity or CHECKS[check].severity, check, message, hint)


def as_str(v: Any) -> Optional[str]:
    return v if isinstance(v, str) else None
