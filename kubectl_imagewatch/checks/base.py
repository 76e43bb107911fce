"""What every check family gets: the inventory, the repository root and the one finding factory.

The factory takes a finding's severity from the check table, so a check id has one severity
wherever it is emitted (the loader's findings too). Kept free of run-time imports of the manifest
modules: manifests/loader.py makes its findings here.
"""
from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any, Optional

from kubectl_imagewatch.checks.table import CHECKS
from kubectl_imagewatch.findings import Finding

if TYPE_CHECKING:
    from kubectl_imagewatch.manifests.inventory import Inventory
    from kubectl_imagewatch.manifests.model import FluxObject


def finding(check: str, path: str, line: int, col: int, message: str, hint: str = "") -> Finding:
    """A Finding of a check id from the table, with the table's severity."""
    return Finding(path, line, col, CHECKS[check].severity, check, message, hint)


@dataclasses.dataclass
class Context:
    inventory: "Inventory"
    repo_root: Optional[str] = None

    def __post_init__(self) -> None:
        if self.repo_root:
            self.repo_root = os.path.abspath(self.repo_root)

    def at(self, obj: "FluxObject", path: tuple, check: str, message: str, hint: str = "",
           key: bool = False) -> Finding:
        """A finding at a JSON path of an object (at its key with key=True)."""
        line, col = obj.key_pos(*path) if key else obj.pos(*path)
        return finding(check, obj.doc.path, line, col, message, hint)

    def file(self, path: str, line: int, col: int, check: str, message: str, hint: str = "") -> Finding:
        return finding(check, path, line, col, message, hint)


def as_str(v: Any) -> Optional[str]:
    return v if isinstance(v, str) else None
