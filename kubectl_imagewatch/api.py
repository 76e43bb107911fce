"""The library surface: validate(), simulate(), update(). Each returns a result; none prints."""
from __future__ import annotations

import dataclasses
import os
from typing import Optional, Sequence

from kubectl_imagewatch.findings import Report
from kubectl_imagewatch.model import DEFAULT_NAMESPACE


def find_repo_root(start: str) -> Optional[str]:
    """The nearest directory holding .git, walking up from start (no git process: startup cost)."""
    p = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        if os.path.exists(os.path.join(p, ".git")):
            return p
        parent = os.path.dirname(p)
        if parent == p:
            return None
        p = parent


@dataclasses.dataclass(frozen=True)
class ValidateOptions:
    repo_root: Optional[str] = None
    default_namespace: str = DEFAULT_NAMESPACE
    repo_context: bool = False  # build the object index from the whole repository, report only PATHS
    disabled: frozenset = frozenset()


def validate(paths: Sequence[str], opts: ValidateOptions = ValidateOptions()) -> Report:
    from kubectl_imagewatch import inventory, schema
    from kubectl_imagewatch.checks import automations, markers, policies, references, repositories, versions
    from kubectl_imagewatch.checks.base import Context

    paths = list(paths) or ["."]
    root = opts.repo_root or find_repo_root(next((p for p in paths if p != "-"), "."))
    if opts.repo_context and root:
        inv = inventory.build([root] + [p for p in paths if p == "-"], opts.default_namespace)
        wanted = {os.path.abspath(p) for p in paths if p != "-"}
        inv.report_paths = wanted
    else:
        inv = inventory.build(paths, opts.default_namespace)
    ctx = Context(inv, repo_root=root or os.getcwd())
    report = Report(files_checked=inv.files_read, objects_checked=len(inv.objects))
    report.extend(inv.findings)
    for obj in inv.objects:
        report.extend(versions.check(obj, ctx))
        report.extend(schema.check(obj))
        for family in (policies, repositories, automations):
            report.extend(family.check(obj, ctx))
    report.extend(references.check_set(ctx))
    report.extend(markers.check_set(ctx))
    if inv.report_paths is not None:
        keep = inv.report_paths
        report.findings = [f for f in report.findings
                           if os.path.abspath(f.path) in keep or any(os.path.abspath(f.path).startswith(k + os.sep) for k in keep)]
    pattern_hits = {(f.path, f.line, f.column) for f in report.findings if f.check == "IW105"}
    report.findings = [f for f in report.findings if not (f.check == "IW208" and (f.path, f.line, f.column) in pattern_hits)]
    if opts.disabled:
        report.findings = [f for f in report.findings if f.check not in opts.disabled]
    return report
