"""The checks: the table (table.py) lists every id with its severity and family; run() dispatches.

A family is a module of this package with either `check(obj, ctx)` (one object at a time) or
`check_set(ctx)` (across objects: references, markers); the `loader` family's findings are made
while reading files (manifests/loader.py) and carried by the inventory. A new check is a row in the
table and code in its family: nothing here changes. What is reported is then narrowed by the Scope:
the paths asked about, `--disable`, the repository config (config.py) and inline suppression
comments (suppress.py).
"""
from __future__ import annotations

import dataclasses
import difflib
import importlib
import os
import re
from typing import TYPE_CHECKING, Iterable, Optional

from kubectl_imagewatch.checks.table import CHECKS, Check

if TYPE_CHECKING:
    from kubectl_imagewatch.checks.base import Context
    from kubectl_imagewatch.checks.config import Config
    from kubectl_imagewatch.findings import Finding, Report

__all__ = ["CHECKS", "Check", "Scope", "check_id", "resolve_ids", "run", "unknown_id"]

SLUGS = {c.slug: c.id for c in CHECKS.values()}


def check_id(name: str) -> Optional[str]:
    """The id a user's name for a check means: an id in any case, or a slug; None if none."""
    n = name.strip()
    return n.upper() if n.upper() in CHECKS else SLUGS.get(n.lower())


def unknown_id(name: str) -> str:
    """Why `name` names no check, with the closest names (never for a well-formed but unknown id:
    its numeric neighbours would mislead)."""
    n = name.strip()
    close = [] if re.fullmatch(r"IW\d{3}", n.upper()) or len(n) > 64 else \
        difflib.get_close_matches(n.upper(), list(CHECKS), n=1) or \
        difflib.get_close_matches(n.lower(), list(SLUGS), n=3)
    shown = repr(name) if len(name) <= 64 else repr(name[:64]) + "..."
    return f"unknown check id {shown}" + (f"; did you mean {' or '.join(close)}?" if close else "")


def resolve_ids(names: Iterable[str], what: str = "--disable") -> frozenset[str]:
    """Check ids (or slugs) -> ids; an unknown one is a usage error naming the closest ids."""
    from kubectl_imagewatch.errors import UsageError

    out = set()
    for name in names:
        cid = check_id(name)
        if cid is None:
            raise UsageError(f"{what}: {unknown_id(name)} (validate --list-checks lists them)")
        out.add(cid)
    return frozenset(out)


@dataclasses.dataclass(frozen=True)
class Scope:
    """What a run reports: findings in `paths` (absolute files or directories, or the name shown
    for stdin; None: everywhere) minus the `disabled` ids, as the repository `config` (excludes,
    per-path disables and severities) says. `cross_object=False` runs only the checks that look at
    one object or file (an object made by `create` has no neighbours to resolve); `only` limits the
    run to these families (the hook's staged-change comparison runs the cross-object ones)."""

    paths: Optional[frozenset[str]] = None
    disabled: frozenset[str] = frozenset()
    cross_object: bool = True
    config: Optional["Config"] = None
    only: Optional[frozenset[str]] = None

    def covers(self, path: str) -> bool:
        if self.paths is None or path in self.paths:
            return True
        a = os.path.abspath(path)
        return a in self.paths or any(a.startswith(p + os.sep) for p in self.paths)


def families() -> list[str]:
    """The family modules in table order, each once."""
    return list(dict.fromkeys(c.family for c in CHECKS.values()))


def _family(name: str, ctx: "Context", scope: Scope) -> Iterable["Finding"]:
    if name == "loader":
        return ctx.inventory.findings
    mod = importlib.import_module(f"{__name__}.{name}")
    if hasattr(mod, "check"):
        return [f for obj in ctx.inventory.objects if scope.covers(obj.doc.path) for f in mod.check(obj, ctx)]
    return mod.check_set(ctx) if scope.cross_object else []


def run(ctx: "Context", scope: Scope = Scope()) -> "Report":
    """Every family's findings for ctx.inventory, within scope and not suppressed by a comment; a
    finding whose id the table says another id's finding at the same position supersedes is dropped
    (one problem, one finding)."""
    from kubectl_imagewatch.checks import suppress
    from kubectl_imagewatch.findings import Report

    inv = ctx.inventory
    report = Report(files_checked=inv.files_read, objects_checked=len(inv.objects))
    for name in families():
        if scope.only is not None and name not in scope.only:
            continue
        report.extend(f for f in _family(name, ctx, scope) if f.check not in scope.disabled and scope.covers(f.path))
    if scope.config is not None:
        report.findings = scope.config.apply(report.findings)
    if inv.directive_texts:
        report.findings = suppress.apply(report.findings, inv.directive_texts)
    at = {(f.check, f.path, f.line, f.column) for f in report.findings}
    report.findings = [f for f in report.findings
                       if not any((s, f.path, f.line, f.column) in at for s in CHECKS[f.check].superseded_by)]
    return report
