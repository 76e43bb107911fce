"""Reporters: text, json, sarif, github. A reporter turns a Report into a string; nothing else."""
from __future__ import annotations

from typing import Callable, Optional

from kubectl_imagewatch.findings import Report
from kubectl_imagewatch.report import github, jsonfmt, sarif, text

REPORTERS: dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": jsonfmt.render,
    "sarif": sarif.render,
    "github": github.render,
}


def render(fmt: str, report: Report, color: bool = False, root: Optional[str] = None) -> str:
    """report in format fmt; file paths relative to root (the repository) where they lie inside it."""
    return REPORTERS[fmt](report, color=color, root=root)
