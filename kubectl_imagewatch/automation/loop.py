"""The whole loop, as image-automation-controller runs it: for each ImageUpdateAutomation clone
the GitRepository, check out its ref, apply the Setters update under update.path with the
policies' latest refs, commit as the automation's author with its message template, and push.

Differences from Flux, on purpose: a push rejected because the remote moved is retried a bounded
number of times on top of the new head (Flux fails the run and starts over later); nothing is
ever force-pushed; a run that fails leaves the remote untouched.
"""
from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from typing import Callable, Optional

from kubectl_imagewatch.automation import credentials, git as gitops, plan as updater, signing
from kubectl_imagewatch.automation.result import LatestRef, latest_refs
from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.manifests.inventory import Inventory
from kubectl_imagewatch.manifests.model import GIT_REPOSITORY, IMAGE_UPDATE_AUTOMATION, FluxObject, mapping

MAX_PUSH_ATTEMPTS = 3


@dataclasses.dataclass
class RunOptions:
    dry_run: bool = False
    git_urls: dict = dataclasses.field(default_factory=dict)  # "ns/name" or "*" -> URL override
    flux_release: Optional[str] = None
    workdir: Optional[str] = None
    push_attempts: int = MAX_PUSH_ATTEMPTS


@dataclasses.dataclass
class AutomationRun:
    automation: FluxObject
    outcome: str  # pushed | no-changes | dry-run | failed
    branch: str = ""
    commit: Optional[str] = None
    message: Optional[str] = None
    diff: str = ""
    error: Optional[str] = None
    changes: list = dataclasses.field(default_factory=list)
    attempts: int = 0
    source_revision: str = ""
    observed_policies: dict = dataclasses.field(default_factory=dict)
    warnings: list = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict:
        return {"automation": self.automation.ref, "outcome": self.outcome, "branch": self.branch,
                "commit": self.commit, "message": self.message, "error": self.error, "attempts": self.attempts,
                "changes": self.changes, "warnings": self.warnings, "diff": self.diff}


@dataclasses.dataclass
class Source:
    """Where an automation clones from: URL, checkout ref, credentials Secret, per-operation timeout."""
    url: str
    ref: dict
    secret: Optional[dict]
    timeout: float = 60.0  # GitRepository spec.timeout, Flux's default; each git operation gets it


def _timeout(repo: Optional[FluxObject]) -> float:
    from kubectl_imagewatch.golang import duration

    try:
        secs = duration.parse(str((repo.spec.get("timeout") if repo is not None else None) or "60s")) / 1e9
    except duration.DurationError:
        return 60.0
    return min(max(secs, 1.0), 3600.0)


def _git_source(auto: FluxObject, inv: Inventory, opts: RunOptions) -> Source:
    ref = mapping(auto.spec.get("sourceRef"))
    ns = str(ref.get("namespace") or auto.namespace)
    name = str(ref.get("name") or "")
    if (ref.get("kind") or "GitRepository") != "GitRepository":
        raise OperationError(f"sourceRef kind {ref.get('kind')!r} is not supported (only GitRepository)")
    repo = inv.get(GIT_REPOSITORY, ns, name)
    url = opts.git_urls.get(f"{ns}/{name}") or opts.git_urls.get(name) or opts.git_urls.get("*")
    if repo is None and url is None:
        raise OperationError(f"GitRepository {ns}/{name} is not in the scanned objects (pass --git-url)")
    url = url or str(repo.spec.get("url") or "")  # type: ignore[union-attr]
    if not url:
        raise OperationError(f"GitRepository {ns}/{name} has no spec.url")
    git = auto.spec.get("git") if isinstance(auto.spec.get("git"), dict) else None
    if git is None:
        raise OperationError("source kind 'GitRepository' necessitates field .spec.git")
    gref = mapping(mapping(git.get("checkout")).get("ref"))
    if not gref:
        gref = mapping(repo.spec.get("ref") if repo is not None else None)
    secret = None
    sref = repo.spec.get("secretRef") if repo is not None else None
    if isinstance(sref, dict) and sref.get("name"):
        secret = inv.secret(ns, str(sref["name"]))
        if secret is None:
            raise OperationError(f"Secret {ns}/{sref['name']} (GitRepository {ns}/{name} secretRef) not found")
    return Source(url, dict(gref), secret, _timeout(repo))


def _signing_key(auto: FluxObject, inv: Inventory) -> Optional[signing.SigningKey]:
    """The automation's signingKey Secret (its own namespace), as Flux reads it."""
    git = mapping(auto.spec.get("git"))
    sk = mapping(mapping(git.get("commit")).get("signingKey"))
    name = mapping(sk.get("secretRef")).get("name")
    if not name:
        return None
    kind = str(sk.get("type") or "gpg")
    sec = inv.secret(auto.namespace, name)
    if sec is None:
        raise OperationError(f"signing key Secret {auto.namespace}/{name} not found")
    from kubectl_imagewatch.manifests.model import secret_value

    field, pw_field = ("identity", "password") if kind == "ssh" else ("git.asc", "passphrase")
    key = secret_value(sec, field)
    if not key:
        raise OperationError(f"signing key Secret {auto.namespace}/{name} has no {field}")
    pw = secret_value(sec, pw_field)
    try:
        return signing.SigningKey(kind, key, pw.decode() if pw else None)
    except UnicodeDecodeError:
        raise OperationError(f"signing key Secret {auto.namespace}/{name}: {pw_field} is not UTF-8 text") from None


def run_automation(auto: FluxObject, inv: Inventory, refs: dict[str, LatestRef], opts: RunOptions,
                   log: Callable[[str, dict], None] = lambda m, f: None) -> AutomationRun:
    """Clone, update, commit, push one automation (the caller skips suspended ones). Whatever
    happens, the clone and every credential file are gone when this returns."""
    res = AutomationRun(auto, "failed")
    work = tempfile.mkdtemp(prefix="imagewatch-run-", dir=opts.workdir)
    g: Optional[gitops.Git] = None
    try:
        src = _git_source(auto, inv, opts)
        git = auto.spec["git"]
        push = mapping(git.get("push"))
        author_name, author_email = updater.commit_author(auto)
        if push.get("branch") or push.get("refspec"):
            why = gitops.push_problem(str(push.get("branch") or "main"), _opt_str(push.get("refspec")))
            if why:
                raise OperationError(why)  # before anything is cloned, let alone pushed
        g = gitops.clone(src.url, os.path.join(work, "repo"), credentials.auth_from_secret(src.secret), src.timeout)
        sha, checkout_branch = gitops.resolve_checkout(g, src.ref)
        branch = push.get("branch") or checkout_branch
        if not branch:
            raise OperationError("push spec not provided, and cannot be inferred from .spec.git.checkout.ref or "
                                 "GitRepository .spec.ref")
        res.branch = str(branch)
        signing_key = _signing_key(auto, inv)
        for attempt in range(1, opts.push_attempts + 1):
            res.attempts = attempt
            remote = gitops.remote_branches(g)
            base = f"refs/remotes/origin/{branch}" if branch in remote and branch != checkout_branch else sha
            if attempt > 1 and branch in remote:
                base = f"refs/remotes/origin/{branch}"
            g.run("checkout", "-q", "-B", str(branch), base, "--")
            res.source_revision = f"{branch}@sha1:{g.out('rev-parse', 'HEAD')}"
            up = updater.plan(inv, refs, g.dir, release=opts.flux_release, only=auto)
            ap = up.automations[0]
            res.warnings = up.warnings
            res.observed_policies = {k.split(":", 1)[1]: v.as_dict() for k, v in refs.items()
                                     if k.split(":", 1)[0] == auto.namespace}
            if ap.error:
                raise OperationError(ap.error)
            res.changes = up.changes_json()
            res.diff = up.diff()
            if not ap.changes:
                res.outcome = "no-changes"
                return res
            res.message = ap.message
            up.apply()
            new = gitops.commit_all(g, ap.message or "", author_name, author_email, signing_key)
            if new is None:
                res.outcome = "no-changes"
                return res
            res.commit = new
            if opts.dry_run:
                res.outcome = "dry-run"
                return res
            try:
                gitops.push(g, str(branch), _opt_str(push.get("refspec")), mapping(push.get("options")))
            except gitops.PushRejected as e:
                log("push rejected, retrying on the new remote head", {"automation": auto.ref, "attempt": attempt})
                if attempt == opts.push_attempts:
                    raise OperationError(f"{e}; gave up after {attempt} attempts") from None
                g.run("fetch", "-q", gitops.EOO, "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}")
                continue
            res.outcome = "pushed"
            return res
        return res
    except OperationError as e:
        res.outcome, res.error = "failed", credentials.scrub(str(e))
        return res
    finally:
        if g is not None:
            g.close()
        credentials.remove_tree(work)


def _opt_str(v: object) -> Optional[str]:
    return None if v is None or v == "" else str(v)


def run_once(inv: Inventory, results: list, opts: RunOptions,
             log: Callable[[str, dict], None] = lambda m, f: None) -> list[AutomationRun]:
    refs = latest_refs(results)
    runs = []
    for auto in inv.of_kind(IMAGE_UPDATE_AUTOMATION):
        t = time.monotonic()
        r = run_automation(auto, inv, refs, opts, log)
        log(f"automation {r.outcome}", {"automation": auto.ref, "branch": r.branch, "commit": r.commit,
                                        "error": r.error, "seconds": round(time.monotonic() - t, 3)})
        runs.append(r)
    return runs


def short(sha: Optional[str]) -> str:
    return (sha or "")[:7]


def event_message(r: AutomationRun) -> str:
    return f"pushed commit '{short(r.commit)}' to branch '{r.branch}'\n{r.message or ''}"


