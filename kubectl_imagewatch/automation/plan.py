"""Apply every ImageUpdateAutomation to a working tree: setters per automation, commit messages.

For each automation: the policies Flux would list (its namespace, its policySelector, a selected
tag), their setters, the Setters update under its update.path (resolved once, flux/updatepath.py),
and the commit message rendered from the resulting changes. Nothing is written unless every
automation planned without error.
"""
from __future__ import annotations

import dataclasses
import difflib
from typing import Optional

from kubectl_imagewatch.automation import message, tree, write
from kubectl_imagewatch.automation.result import Change, FileUpdate, LatestRef, latest_refs
from kubectl_imagewatch.flux import imageref, releases, selector, updatepath
from kubectl_imagewatch.golang import template
from kubectl_imagewatch.manifests.inventory import Inventory
from kubectl_imagewatch.manifests.model import IMAGE_UPDATE_AUTOMATION, FluxObject, mapping

# The commit author when spec.git.commit.author leaves a part out (the CRD requires the email; an
# offline manifest may still lack it). `update --commit` and `run` both use these.
DEFAULT_AUTHOR_NAME = "Flux"
DEFAULT_AUTHOR_EMAIL = "fluxcdbot@users.noreply.github.com"


def commit_author(auto: FluxObject) -> tuple[str, str]:
    """(name, email) the automation commits as."""
    author = mapping(mapping(mapping(auto.spec.get("git")).get("commit")).get("author"))
    return (str(author.get("name") or DEFAULT_AUTHOR_NAME), str(author.get("email") or DEFAULT_AUTHOR_EMAIL))


@dataclasses.dataclass
class AutomationPlan:
    automation: FluxObject
    files: list[FileUpdate] = dataclasses.field(default_factory=list)
    message: Optional[str] = None
    error: Optional[str] = None
    outcome: Optional[tree.Outcome] = None
    target: Optional[updatepath.UpdateTarget] = None

    @property
    def changes(self) -> list[Change]:
        return [c for f in self.files for c in f.changes]


@dataclasses.dataclass
class UpdatePlan:
    automations: list[AutomationPlan] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(a.error for a in self.automations)

    def final_files(self, ok_only: bool = False) -> dict[str, tuple[bytes, FileUpdate]]:
        """abspath -> (original bytes, the last automation's update of it) across automations."""
        out: dict[str, tuple[bytes, FileUpdate]] = {}
        for a in self.automations:
            if ok_only and a.error:
                continue
            for f in a.files:
                orig = out[f.abspath][0] if f.abspath in out else f.old
                out[f.abspath] = (orig, f)
        return out

    def apply(self) -> list[str]:
        """Write every changed file (all checked before the first write); the repo files written."""
        if not self.ok:
            return []
        todo = [(orig, f) for _, (orig, f) in sorted(self.final_files().items()) if orig != f.new]
        by_root: dict[str, list[tuple[str, bytes]]] = {}
        for _, f in todo:
            by_root.setdefault(f.root, []).append((f.path, f.new))
        for root, files in by_root.items():
            write.replace_in_tree(root, files)
        for a in self.automations:  # temp files interrupted runs left: gone once their process is
            if a.outcome is not None and a.target is not None:
                for t in a.outcome.leftovers:
                    write.remove_stale_temp(a.target.repo, t)
        return [f.repo_file for _, f in todo]

    def diff(self) -> str:
        """What the automations that planned cleanly write (a failed one writes and commits nothing)."""
        out: list[str] = []
        for orig, f in sorted(self.final_files(ok_only=True).values(), key=lambda v: v[1].repo_file):
            a = orig.decode("utf-8", "replace").splitlines(keepends=True)
            b = f.new.decode("utf-8", "replace").splitlines(keepends=True)
            out.extend(difflib.unified_diff(a, b, f"a/{f.repo_file}", f"b/{f.repo_file}"))
        return "".join(x if x.endswith("\n") else x + "\n\\ No newline at end of file\n" for x in out)

    def changes_json(self) -> list[dict]:
        return [{"automation": a.automation.ref, **c.as_json()} for a in self.automations for c in a.changes]

    def commits_json(self) -> list[dict]:
        return [{"automation": a.automation.ref, "message": a.message, "error": a.error}
                for a in self.automations if a.changes or a.error]


def _switches(auto: FluxObject, changes: list[Change]) -> list[str]:
    """A value moved to another registry or repository (the policy's ImageRepository names another)."""
    out = []
    for c in changes:
        moved = imageref.switch(c.old, c.new) if not c.setter.endswith((":tag", ":digest")) else None
        if moved:
            out.append(f"{auto.ref}: {c.repo_file}:{c.line}: {c.setter} moves the image from {moved[0]} "
                       f"to {moved[1]} (the policy's ImageRepository); check that this is intended")
    return out


def setter_values(auto: FluxObject, inv: Inventory, refs: dict[str, LatestRef]) -> dict[str, str]:
    """Setter name -> value for the policies this automation lists (Flux: same namespace, selector)."""
    sel = auto.spec.get("policySelector")
    out: dict[str, str] = {}
    for pol in inv.policies():
        key = f"{pol.namespace}:{pol.name}"
        if pol.namespace != auto.namespace or key not in refs or not selector.matches(sel, pol.labels):
            continue
        ref = refs[key]
        out[key] = ref.full
        out[key + ":tag"] = ref.tag
        out[key + ":name"] = ref.image
        out[key + ":digest"] = ref.digest or ""
    return out


def _message(auto: FluxObject, changes: list[Change], refs: dict[str, LatestRef], release: Optional[str]) -> str:
    commit = mapping(mapping(auto.spec.get("git")).get("commit"))
    vals = commit.get("messageTemplateValues")
    rel = release or releases.newest_flux_serving(auto.api_version, auto.kind)
    return message.render_commit_message(commit.get("messageTemplate"), auto.namespace, auto.name, changes,
                                         vals if isinstance(vals, dict) else None, refs, rel)


def plan(inv: Inventory, refs: dict[str, LatestRef], repo_root: str, release: Optional[str] = None,
         only: Optional[FluxObject] = None) -> UpdatePlan:
    """refs: `<ns>:<name>` -> the policy's latest ref (result.latest_refs)."""
    up = UpdatePlan()
    overlay: dict[str, bytes] = {}
    leftovers: set[str] = set()
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
        ap.target = target = updatepath.of_automation(auto, repo_root)
        if not target.exists:  # Flux's walk of a missing path fails the run; so does this one, saying why
            ap.error = (f"update.path {target.given!r} does not exist under {repo_root} "
                        "(pass --repo-root the repository the automation writes to)")
            continue
        outcome = tree.plan_path(target, values, overlay, inv.screen)
        ap.outcome = outcome
        ap.files = outcome.files
        for f in outcome.files:
            overlay[f.abspath] = f.new
        for repo_file, why in outcome.skipped:
            up.warnings.append(f"{auto.ref}: {repo_file} skipped: {why}")
        for repo_file, line, setter in outcome.unresolved:
            up.warnings.append(f"{auto.ref}: {repo_file}:{line}: marker {setter!r} has no value "
                               "(policy absent, failed, in another namespace or not selected); left unchanged")
        up.warnings.extend(f"{auto.ref}: {w}" for w in outcome.warnings)
        up.warnings.extend(_switches(auto, ap.changes))
        for t in sorted(set(outcome.leftovers) - leftovers):
            leftovers.add(t)
            up.warnings.append(f"{t}: temp file of an interrupted (or running) update: not a manifest; "
                               "removed when this tool next writes, once its process is gone")
        for repo_file, reasons in outcome.reformats.items():
            up.notes.append(f"{repo_file}: Flux's commit would also reformat this file: {'; '.join(reasons)} "
                            "(this tool changes only the marked values)")
        if ap.changes:
            try:
                ap.message = _message(auto, ap.changes, refs, release)
            except template.TemplateError as e:
                ap.error = str(e)
    return up


def plan_all(inv: Inventory, results: list, repo_root: str, release: Optional[str] = None) -> UpdatePlan:
    """plan() with the latest refs of simulate's policy results."""
    return plan(inv, latest_refs(results), repo_root, release)
