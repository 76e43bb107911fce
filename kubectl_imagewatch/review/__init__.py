"""Review a change before merge: what the work tree does to every policy and automation, against BASE.

`diff()` reads BASE with git into a private directory (revision.py), runs the same `api.simulate`
on both trees over one tag source (tags.py), and compares the two results (compare.py). The work
tree side runs first so the repository root it settles on can be mirrored on the base side.
Nothing here prints.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Optional, Sequence

from kubectl_imagewatch.manifests.model import DEFAULT_NAMESPACE
from kubectl_imagewatch.review.compare import AutomationDiff, PolicyDiff


@dataclasses.dataclass(frozen=True)
class DiffOptions:
    tags_file: Optional[str] = None
    cache_dir: Optional[str] = None
    default_namespace: str = DEFAULT_NAMESPACE
    flux_release: Optional[str] = None


@dataclasses.dataclass
class DiffResult:
    base: str                      # the revision as given
    commit: str                    # the commit it named
    policies: list[PolicyDiff]
    automations: list[AutomationDiff]
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def moved(self) -> bool:
        """A winner moved or an automation would commit something else: exit 1."""
        return any(p.moved for p in self.policies) or any(a.moved for a in self.automations)

    def as_dict(self) -> dict:
        return {"base": self.base, "commit": self.commit, "policies": [p.as_dict() for p in self.policies],
                "automations": [a.as_dict() for a in self.automations], "warnings": self.warnings}


def _relative(paths: list[str], top: str) -> list[str]:
    from kubectl_imagewatch.errors import UsageError

    real_top = os.path.realpath(top)
    out = []
    for p in paths:
        rel = os.path.relpath(os.path.realpath(p), real_top)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            raise UsageError(f"{p} is outside the git repository {top}")
        out.append(rel)
    return out


def diff(base: str, paths: Sequence[str], opts: DiffOptions = DiffOptions()) -> DiffResult:
    """Compare revision `base` with the work tree under `paths` (default: the current directory)."""
    from kubectl_imagewatch import api
    from kubectl_imagewatch.errors import InputError, UsageError
    from kubectl_imagewatch.review import compare, revision
    from kubectl_imagewatch.review.tags import SharedTags

    paths = list(paths) or ["."]
    if "-" in paths:
        raise UsageError("diff compares files in two trees; stdin (-) cannot be one of the paths")
    for p in paths:
        if not os.path.lexists(p):
            raise InputError(f"no such file or directory: {p}")
    top = revision.toplevel(paths[0])
    rels = _relative(paths, top)
    shared = SharedTags(opts.tags_file, opts.cache_dir)

    def side(where: list[str], repo_root: Optional[str]) -> api.SimulateResult:
        return api.simulate(where, api.SimulateOptions(
            tags_file=opts.tags_file, cache_dir=opts.cache_dir, default_namespace=opts.default_namespace,
            flux_release=opts.flux_release, repo_root=repo_root, tags=shared.factory, allow_empty=True))

    with revision.materialise(top, base) as tree:
        after = side(paths, None)
        root_rel = "."
        if after.repo_root is not None:
            root_rel = os.path.relpath(os.path.realpath(after.repo_root), os.path.realpath(top))
            if root_rel == os.pardir or root_rel.startswith(os.pardir + os.sep):
                root_rel = "."
        base_paths = [os.path.join(tree.root, r) for r in rels if os.path.lexists(os.path.join(tree.root, r))]
        before = side(base_paths, os.path.join(tree.root, root_rel)) if base_paths else api.SimulateResult([])
        warnings = [f"{base}: {w}" for w in tree.skipped[:20]]
        for label, res, prefix in ((base, before, tree.root + os.sep), ("work tree", after, "")):
            for f in res.input_problems:
                path = f.path[len(prefix):] if prefix and f.path.startswith(prefix) else f.path
                warnings.append(f"{label}: {path}:{f.line}:{f.column} {f.check} {f.message} (skipped)")
        automations = compare.compare_automations(before, after)
        for a in automations:  # the private directory means nothing to a reader: name the revision
            if a.error["before"]:
                a.error["before"] = a.error["before"].replace(tree.root, f"<{base}>")
                a.reason = a.reason.replace(tree.root, f"<{base}>")
        return DiffResult(base, tree.commit, compare.compare_policies(before.policies, after.policies),
                          automations, warnings)
