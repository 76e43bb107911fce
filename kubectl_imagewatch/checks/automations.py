"""ImageUpdateAutomation checks: update.path, the commit template, policySelector, git spec.

Template data depends on the controller release, not the apiVersion: `.Updated` worked from
image-automation-controller v0.7 to v0.41 and stalls the object from v1.0 (Flux 2.7) on. The release
table says which controllers served the object's apiVersion: none of them with the field -> IW306
(error); some or all (v1alpha*, v1beta*) -> IW312 (warning: it breaks on upgrade, not today).
"""
from __future__ import annotations

import posixpath
from typing import Iterator

from kubectl_imagewatch.flux import releases, selector
from kubectl_imagewatch.flux.gitref import branch_problem, refspec_problem
from kubectl_imagewatch.checks.base import Context
from kubectl_imagewatch.checks.repositories import check_duration
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests.model import GIT_REPOSITORY, IMAGE_UPDATE_AUTOMATION, FluxObject, mapping

CLASSIC_FIX = ("Flux 2.7+ template: '{{range $f, $o := .Changed.FileChanges}}{{range $id, $cs := $o}}"
               "{{range $cs}}- {{.OldValue}} -> {{.NewValue}}\\n{{end}}{{end}}{{end}}'")


def _removed_field(obj: FluxObject, field: str) -> tuple[str, str]:
    """(check id, wording) for a removed template field, from the controllers that served the apiVersion:
    none of them had it -> IW306 (the object stalls); all or some -> IW312 (breaks on upgrade)."""
    support = releases.field_support(obj.api_version, field, obj.kind)
    flux = releases.flux_removing(field)
    if support == "none":
        return "IW306", f"stalls the object on Flux {flux}+ (RemovedTemplateField)"
    if support == "all":
        return "IW312", (f"every controller serving {obj.api_version} provides; it stalls the object once "
                         f"migrated to v1 (Flux {flux}+, RemovedTemplateField)")
    first, until = (".".join(map(str, v or ())) for v in releases.TEMPLATE_FIELDS[field])
    return "IW312", (f"not every controller release serving {obj.api_version} provides (image-automation-controller "
                     f"v{first} added it; v{until}, in Flux {flux}, stalls the object with RemovedTemplateField)")


def path_problem(path: str) -> str | None:
    """Flux joins update.path with securejoin (flux/updatepath.py): say what it really updates."""
    from kubectl_imagewatch.flux.updatepath import clean

    if path.startswith("/"):
        return (f"update.path {path!r} is absolute; Flux reads it relative to the repository root "
                f"and updates {clean(path)!r}")
    norm = posixpath.normpath(path)
    if norm == ".." or norm.startswith("../"):
        return (f"update.path {path!r} climbs above the repository root; Flux ignores the leading '..' "
                f"and updates {clean(path)!r}")
    return None


def check(obj: FluxObject, ctx: Context) -> Iterator[Finding]:
    if obj.kind == GIT_REPOSITORY:
        yield from _git_names(obj, ctx, [(("spec", "ref", "branch"), "spec.ref.branch")])
    if obj.kind != IMAGE_UPDATE_AUTOMATION:
        return
    spec = obj.spec
    yield from check_duration(obj, ctx, "interval")
    upd = spec.get("update")
    if isinstance(upd, dict) and isinstance(upd.get("path"), str):
        why = path_problem(upd["path"])
        if why:
            from kubectl_imagewatch.flux.updatepath import clean

            yield ctx.at(obj, ("spec", "update", "path"), "IW304", why,
                         "write the path Flux uses: ./" + clean(upd["path"]).lstrip("."))
    sel = spec.get("policySelector")
    why = selector.problem(sel)
    if why:
        yield ctx.at(obj, ("spec", "policySelector"), "IW308", why, "see Kubernetes label selectors")
    git = spec.get("git")
    if obj.version == "v1" and git is None:
        yield ctx.at(obj, ("spec",), "IW309", "spec.git is missing; Flux stalls with InvalidSourceConfiguration",
                     "add spec.git.commit.author and, usually, spec.git.push.branch")
    if isinstance(git, dict):
        ref = ((git.get("checkout") or {}).get("ref") or {}) if isinstance(git.get("checkout"), dict) else {}
        push = mapping(git.get("push"))
        if isinstance(ref, dict) and ref and not ref.get("branch") and not push.get("branch"):
            yield ctx.at(obj, ("spec", "git", "checkout", "ref"), "IW309",
                         "checkout names no branch and push.branch is unset: Flux fails with "
                         "'push spec not provided, and cannot be inferred'", "set spec.git.push.branch")
        yield from _git_names(obj, ctx, [(("spec", "git", "checkout", "ref", k), f"checkout.ref.{k}")
                                         for k in ("branch", "tag", "name")] +
                              [(("spec", "git", "push", "branch"), "push.branch"),
                               (("spec", "git", "push", "refspec"), "")])
        commit = mapping(git.get("commit"))
        tmpl = commit.get("messageTemplate")
        if isinstance(tmpl, str) and tmpl:
            yield from _template(obj, ctx, tmpl)


def _git_names(obj: FluxObject, ctx: Context, fields: list) -> Iterator[Finding]:
    """Branches, tags and refspecs git gets: never an option, always a ref git can hold (IW313)."""
    for path, label in fields:
        node = obj.doc.data
        for k in path:
            node = node.get(k) if isinstance(node, dict) else None
        if not isinstance(node, str) or not node:
            continue
        why = refspec_problem(node) if not label else branch_problem(node, label)
        if why:
            yield ctx.at(obj, path, "IW313", why, "a refspec reads refs/heads/main:refs/heads/auto (see git help "
                         "push)" if not label else "use a name like main or release/1.2 (git check-ref-format)")


def _template(obj: FluxObject, ctx: Context, tmpl: str) -> Iterator[Finding]:
    from kubectl_imagewatch.golang import template

    path = ("spec", "git", "commit", "messageTemplate")
    from kubectl_imagewatch.golang.template.parser import parse as parse_syntax

    try:
        tree = parse_syntax(tmpl, name="commit message")
    except template.TemplateError as e:
        yield ctx.at(obj, path, "IW305", f"messageTemplate does not parse: {e}",
                     "Go text/template syntax: {{ .Changed.Changes }}, {{range ...}}{{end}}")
        return
    for use in template.removed_fields(tree):
        field = "Changed.ImageResult" if "ImageResult" in use else "Updated"
        hint = ("use .Changed.FileChanges or .Changed.Objects" if field != "Updated" else
                "use .Changed (FileChanges, Objects, Changes); " + CLASSIC_FIX)
        cid, when = _removed_field(obj, field)
        yield ctx.at(obj, path, cid, f"messageTemplate uses {use}, which {when}", hint)
    for name in template.unknown_functions(tree):
        yield ctx.at(obj, path, "IW307", f"messageTemplate calls function {name!r}, which Flux does not register",
                     "Flux offers Go's builtins and sprig's hermetic functions (no env, now, rand*)")
