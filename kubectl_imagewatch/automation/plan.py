"""Apply every ImageUpdateAutomation to a working tree: setters per automation, commit messages.

For each automation: the policies Flux would list (its namespace, its policySelector, a selected
tag), their setters, the Setters update under update.path, and the commit message rendered from
the resulting changes. Nothing is written unless every automation planned without error.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
from typing import Optional

from kubectl_imagewatch.flux import imageref, releases, selector
from kubectl_imagewatch.automation import setters
from kubectl_imagewatch.automation import message
from kubectl_imagewatch.golang import template
from kubectl_imagewatch.manifests.inventory import Inventory
from kubectl_imagewatch.manifests.model import IMAGE_UPDATE_AUTOMATION, FluxObject, mapping

@dataclasses.dataclass
class AutomationPlan:
    automation: FluxObject
    files: list[setters.FileResult] = dataclasses.field(default_factory=list)
    message: Optional[str] = None
    error: Optional[str] = None
    outcome: Optional[setters.Outcome] = None

    @property
    def changes(self) -> list[dict]:
        return [c for f in self.files for c in f.changes]


@dataclasses.dataclass
class UpdatePlan:
    repo_root: str
    automations: list[AutomationPlan] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(a.error for a in self.automations)

    def final_files(self) -> dict[str, tuple[bytes, bytes, str]]:
        """abspath -> (original, final, repo file) across automations."""
        out: dict[str, tuple[bytes, bytes, str]] = {}
        for a in self.automations:
            for f in a.files:
                orig = out[f.abspath][0] if f.abspath in out else f.old
                out[f.abspath] = (orig, f.new, f.repo_file)
        return out

    def apply(self) -> list[str]:
        if not self.ok:
            return []
        written = []
        for path, (old, new, repo_file) in sorted(self.final_files().items()):
            if old != new:
                setters.write_atomic(path, new)
                written.append(repo_file)
        return written

    def diff(self) -> str:
        out: list[str] = []
        for _, (old, new, repo_file) in sorted(self.final_files().items(), key=lambda kv: kv[1][2]):
            a = old.decode("utf-8", "replace").splitlines(keepends=True)
            b = new.decode("utf-8", "replace").splitlines(keepends=True)
            out.extend(difflib.unified_diff(a, b, f"a/{repo_file}", f"b/{repo_file}"))
        return "".join(x if x.endswith("\n") else x + "\n\\ No newline at end of file\n" for x in out)

    def changes_json(self) -> list[dict]:
        return [{"automation": a.automation.ref, "file": c["file"], "repoFile": c["repoFile"], "line": c["line"],
                 "setter": c["setter"], "oldValue": c["oldValue"], "newValue": c["newValue"], "object": c["object"]}
                for a in self.automations for c in a.changes]

    def commits_json(self) -> list[dict]:
        return [{"automation": a.automation.ref, "message": a.message, "error": a.error}
                for a in self.automations if a.changes or a.error]


def _switches(auto: FluxObject, changes: list[dict]) -> list[str]:
    """A value moved to another registry or repository (the policy's ImageRepository names another)."""
    out = []
    for c in changes:
        moved = imageref.switch(c["oldValue"], c["newValue"]) if not c["setter"].endswith((":tag", ":digest")) else None
        if moved:
            out.append(f"{auto.ref}: {c['repoFile']}:{c['line']}: {c['setter']} moves the image from {moved[0]} "
                       f"to {moved[1]} (the policy's ImageRepository); check that this is intended")
    return out


def setter_values(auto: FluxObject, inv: Inventory, refs: dict[str, dict]) -> dict[str, str]:
    """Setter name -> value for the policies this automation lists (Flux: same namespace, selector)."""
    sel = auto.spec.get("policySelector")
    out: dict[str, str] = {}
    for pol in inv.policies():
        key = f"{pol.namespace}:{pol.name}"
        if pol.namespace != auto.namespace or key not in refs or not selector.matches(sel, pol.labels):
            continue
        ref = refs[key]
        full = f"{ref['image']}:{ref['tag']}" + (f"@{ref['digest']}" if ref.get("digest") else "")
        out[key] = full
        out[key + ":tag"] = ref["tag"]
        out[key + ":name"] = ref["image"]
        out[key + ":digest"] = ref.get("digest") or ""
    return out


def plan(inv: Inventory, refs: dict[str, dict], repo_root: str, release: Optional[str] = None,
         only: Optional[FluxObject] = None) -> UpdatePlan:
    """refs: `<ns>:<name>` -> {"image", "tag", "digest"?} (the policies' latestRef)."""
    up = UpdatePlan(repo_root)
    overlay: dict[str, bytes] = {}
    for auto in ([only] if only is not None else inv.of_kind(IMAGE_UPDATE_AUTOMATION)):
        ap = AutomationPlan(auto)
        up.automations.append(ap)
        if auto.spec.get("suspend") is True:
            up.warnings.append(f"{auto.ref} is suspended: skipped")
            continue
        values = setter_values(auto, inv, refs)
        bad = next((v for k, v in values.items() if ":" not in k.split(":", 1)[1] and not imageref.is_reference(v)), None)
        if bad:
            ap.error = f'encountered invalid image ref "{bad}": could not parse reference: {bad}'
            continue
        upd = mapping(auto.spec.get("update"))
        _, target = setters.resolve_update_root(repo_root, (upd or {}).get("path"))
        if not os.path.exists(target):
            up.warnings.append(f"{auto.ref}: update.path {(upd or {}).get('path')!r} does not exist under {repo_root} "
                               "(pass --repo-root the repository the automation writes to)")
        outcome = setters.run(repo_root, (upd or {}).get("path"), values, overlay)
        ap.outcome = outcome
        ap.files = outcome.files
        for f in outcome.files:
            overlay[f.abspath] = f.new
        for repo_file, why in outcome.skipped:
            up.warnings.append(f"{auto.ref}: {repo_file} skipped: {why}")
        for repo_file, line, setter, _ in outcome.unresolved:
            up.warnings.append(f"{auto.ref}: {repo_file}:{line}: marker {setter!r} has no value "
                               "(policy absent, failed, in another namespace or not selected); left unchanged")
        up.warnings.extend(f"{auto.ref}: {w}" for w in outcome.warnings)
        up.warnings.extend(_switches(auto, ap.changes))
        for repo_file, reasons in outcome.reformats.items():
            up.notes.append(f"{repo_file}: Flux's commit would also reformat this file: {'; '.join(reasons)} "
                            "(this tool changes only the marked values)")
        if ap.changes:
            git = mapping(auto.spec.get("git"))
            commit = (git or {}).get("commit") if isinstance((git or {}).get("commit"), dict) else {}
            tmpl = (commit or {}).get("messageTemplate")
            vals = (commit or {}).get("messageTemplateValues")
            rel = release or releases.newest_flux_serving(auto.api_version, auto.kind)
            try:
                ap.message = message.render_commit_message(tmpl, auto.namespace, auto.name, ap.changes,
                                                            vals if isinstance(vals, dict) else None, refs, rel)
            except template.TemplateError as e:
                ap.error = str(e)
    return up


def plan_all(inv: Inventory, results: list, repo_root: str, release: Optional[str] = None) -> UpdatePlan:
    refs = {f"{r.policy.namespace}:{r.policy.name}": r.latest_ref() for r in results if r.ok}
    return plan(inv, refs, os.path.abspath(repo_root), release)
