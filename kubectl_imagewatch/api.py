"""The library surface: validate(), simulate(), update(). Each returns a result; none prints."""
from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

from kubectl_imagewatch.findings import Report
from kubectl_imagewatch.manifests.model import DEFAULT_NAMESPACE

if TYPE_CHECKING:  # the heavy modules stay unimported at run time until needed
    from kubectl_imagewatch.automation.plan import UpdatePlan
    from kubectl_imagewatch.reflector.tags import TagProvider


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


def resolve_repo_root(paths: Sequence[str], given: Optional[str] = None, inv: object = None) -> str:
    """The repository the automations write to; one rule for validate, simulate and update:
    1. --repo-root as given;
    2. the guess from the automations' update paths: the git top level of the first path, or a
       directory given on the command line, or one above it (nearest first, below the git top level),
       under which every automation's update.path exists (a GitOps repository kept in a
       sub-directory, like examples/, checked as `simulate examples/flux-system`);
    3. the git top level of the first path;
    4. the first path's directory (the path itself when it is one)."""
    if given:
        return os.path.abspath(given)
    from kubectl_imagewatch.flux import updatepath

    real = [p for p in paths if p != "-"] or ["."]
    git_root = find_repo_root(real[0])
    autos = inv.of_kind("ImageUpdateAutomation") if inv is not None else []  # type: ignore[attr-defined]
    if autos:
        given_dirs = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in real]
        candidates = ([git_root] if git_root else []) + given_dirs + _ancestors(given_dirs, git_root)
        fits = (c for c in candidates if all(updatepath.of_automation(a, c).exists for a in autos))
        found = next(fits, None)
        if found:
            return found
    if git_root:
        return git_root
    first = real[0]
    return os.path.abspath(first if os.path.isdir(first) else os.path.dirname(first) or ".")


def _ancestors(dirs: Sequence[str], stop: Optional[str], limit: int = 16) -> list[str]:
    """The directories above `dirs`, nearest first, below `stop` (the git top level), at most `limit` up."""
    out: list[str] = []
    for d in dirs:
        for _ in range(limit):
            parent = os.path.dirname(d)
            if parent == d or (stop and (parent == stop or not parent.startswith(stop + os.sep))):
                break
            d = parent
            if d not in out:
                out.append(d)
    return out


@dataclasses.dataclass(frozen=True)
class ValidateOptions:
    repo_root: Optional[str] = None
    default_namespace: str = DEFAULT_NAMESPACE
    repo_context: bool = False  # build the object index from the whole repository, report only PATHS
    disabled: frozenset = frozenset()
    config: Optional[str] = None  # the repository config file; default: .imagewatch.yaml found above the paths


def validate(paths: Sequence[str], opts: ValidateOptions = ValidateOptions()) -> Report:
    from kubectl_imagewatch import checks
    from kubectl_imagewatch.checks import config
    from kubectl_imagewatch.checks.base import Context
    from kubectl_imagewatch.manifests import inventory

    disabled = checks.resolve_ids(opts.disabled)
    if opts.repo_context:
        return _validate_in_context(list(paths), opts, disabled)
    paths = list(paths) or ["."]
    config_file = opts.config or config.find(paths)
    cfg = config.load(config_file) if config_file else None
    inv = inventory.build(paths, opts.default_namespace)
    root = resolve_repo_root(paths, opts.repo_root, inv)
    return checks.run(Context(inv, repo_root=root), checks.Scope(disabled=disabled, config=cfg))


def _validate_in_context(given: list[str], opts: ValidateOptions, disabled: frozenset) -> Report:
    """The pre-commit form: objects indexed from the whole repository (screen cache in .git/),
    findings only for the given files, plus the markers elsewhere the staged change breaks."""
    from kubectl_imagewatch import checks
    from kubectl_imagewatch.checks import config, staged
    from kubectl_imagewatch.checks.base import Context
    from kubectl_imagewatch.manifests import inventory

    top = staged.toplevel(given[0] if given and given[0] != "-" else ".")
    if not given and top:  # the hook with no file passed (a commit that only deletes): the staged files
        given = staged.staged_files(top)
    paths = given or ([top] if top else ["."])
    config_file = opts.config or config.find(paths)
    cfg = config.load(config_file) if config_file else None
    root = resolve_repo_root(paths, opts.repo_root)
    git_dir = os.path.join(root, ".git")
    cache = os.path.join(git_dir, "imagewatch-screen.json") if os.path.isdir(git_dir) else None
    wanted = {os.path.abspath(p) for p in given if p != "-"}
    marker_paths = {w for w in wanted if os.path.isfile(w)} if all(os.path.isfile(w) for w in wanted) else None
    if marker_paths is not None and top and staged.touches_flux(top):
        marker_paths = None  # every file's markers: the check against HEAD reuses this inventory
    inv = inventory.build([root] + [p for p in paths if p == "-"], opts.default_namespace, cache_file=cache,
                          marker_paths=marker_paths)
    stdin = {"<stdin>"} if "-" in paths else set()  # the name inventory.build shows for stdin
    scope = checks.Scope(paths=frozenset(wanted | stdin), disabled=disabled, config=cfg)
    report = checks.run(Context(inv, repo_root=root), scope)
    if top:
        report.extend(staged.broken_elsewhere(top, root, opts.default_namespace, scope, cache,
                                              inv if marker_paths is None and "-" not in paths else None))
    return report


@dataclasses.dataclass(frozen=True)
class SimulateOptions:
    tags_file: Optional[str] = None
    policies: frozenset = frozenset()
    default_namespace: str = DEFAULT_NAMESPACE
    repo_root: Optional[str] = None
    cache_dir: Optional[str] = None
    flux_release: Optional[str] = None
    tags: Optional[Callable[[Any], Any]] = None  # TagProvider factory given the inventory (diff: one scan, two trees)
    allow_empty: bool = False  # no ImagePolicy is an empty result, not an error (diff: one side may have none)
    progress: Optional[Callable[[int, int], None]] = None  # (scanned, total) while registries are scanned
    inventory: Any = None  # objects read elsewhere (simulate --from-cluster) instead of PATHS


@dataclasses.dataclass
class SimulateResult:
    policies: list
    update: Optional["UpdatePlan"] = None
    input_problems: list = dataclasses.field(default_factory=list)  # Findings: unreadable/unparseable inputs
    repo_root: Optional[str] = None  # where the update preview resolved update.path (resolve_repo_root)


def tag_provider(tags_file: Optional[str], cache_dir: Optional[str] = None, inv: object = None,
                 progress: Optional[Callable[[int, int], None]] = None) -> "TagProvider":
    """Tags from the tags file, else from the registries (Secrets looked up in `inv`)."""
    from kubectl_imagewatch.reflector import tags

    lookup = getattr(inv, "secret", None)
    return tags.provider(tags_file, cache_dir, lookup, progress)


def simulate(paths: Sequence[str], opts: SimulateOptions = SimulateOptions()) -> SimulateResult:
    from kubectl_imagewatch.manifests import inventory
    from kubectl_imagewatch.reflector import simulate as sim
    from kubectl_imagewatch.errors import InputError

    paths = list(paths) or ["."]
    inv = opts.inventory if opts.inventory is not None else inventory.build(paths, opts.default_namespace, markers=True)
    where = "the cluster" if opts.inventory is not None else ", ".join(paths)
    if opts.policies and not any(p.ref in opts.policies or p.name in opts.policies for p in inv.policies()):
        import difflib

        close = difflib.get_close_matches(sorted(opts.policies)[0], [p.ref for p in inv.policies()], n=1, cutoff=0.75)
        raise InputError(f"no ImagePolicy {', '.join(sorted(opts.policies))} in {where}"
                         + (f"; did you mean {close[0]}?" if close else ""))
    if not inv.policies() and not opts.allow_empty:
        problems = "; ".join(f"{f.path}:{f.line}: {f.message}" for f in inv.findings if f.severity.value == "error")
        raise InputError(f"no ImagePolicy in {where}" + (f" ({problems})" if problems else ""))
    provider = opts.tags(inv) if opts.tags else tag_provider(opts.tags_file, opts.cache_dir, inv, opts.progress)
    results = sim.run(inv, provider, set(opts.policies) or None)  # type: ignore[arg-type]
    upd = None
    try:
        from kubectl_imagewatch.automation import plan as updater
    except ImportError:
        updater = None  # type: ignore[assignment]
    root = None
    from_files = opts.inventory is None or opts.repo_root  # a cluster's automations write to a repository we lack
    if updater is not None and inv.of_kind("ImageUpdateAutomation") and from_files:
        root = resolve_repo_root(paths, opts.repo_root, inv)
        upd = updater.plan_all(inv, results, root, release=opts.flux_release)
    return SimulateResult(results, upd, [f for f in inv.findings if f.severity.value == "error"], root)


@dataclasses.dataclass(frozen=True)
class UpdateOptions:
    repo_root: Optional[str] = None
    tags_file: Optional[str] = None
    dry_run: bool = False
    commit: bool = False
    default_namespace: str = DEFAULT_NAMESPACE
    flux_release: Optional[str] = None


@dataclasses.dataclass
class UpdateResult:
    plan: "UpdatePlan"
    written: list
    commits: list
    policy_errors: list
    repo_root: str = ""  # the working tree updated (resolve_repo_root)


def update(paths: Sequence[str], opts: UpdateOptions = UpdateOptions()) -> UpdateResult:
    from kubectl_imagewatch.manifests import inventory
    from kubectl_imagewatch.reflector import simulate as sim
    from kubectl_imagewatch.automation import plan as updater
    from kubectl_imagewatch.errors import InputError

    paths = list(paths)
    if not paths:  # the whole working tree
        top = opts.repo_root or find_repo_root(".")
        if top is None:
            raise InputError("not inside a git repository; pass --repo-root or the paths to read")
        paths = [top]
    inv = inventory.build(paths, opts.default_namespace, markers=False)
    root = resolve_repo_root(paths, opts.repo_root, inv)
    results = sim.run(inv, tag_provider(opts.tags_file, None, inv))  # type: ignore[arg-type]
    errors = [f"ImagePolicy {r.policy.ref}: {r.selection.error.message if r.selection.error else 'no tag'}"
              for r in results if not r.ok]
    plan = updater.plan_all(inv, results, root, release=opts.flux_release)
    written: list = []
    commits: list = []
    if not opts.dry_run and plan.ok:
        written = plan.apply()
        if opts.commit and written:
            commits = commit_plan(root, plan)
    return UpdateResult(plan, written, commits, errors, root)


def commit_plan(repo: str, plan: "UpdatePlan") -> list[str]:
    """`update --commit`: one commit per automation that changed files, with its author and message."""
    from kubectl_imagewatch.automation import git as gitops
    from kubectl_imagewatch.automation.plan import commit_author

    out = []
    for ap in plan.automations:
        if not ap.files or ap.error:
            continue
        name, email = commit_author(ap.automation)
        out.append(gitops.commit(repo, sorted({f.path for f in ap.files}), ap.message or "", name, email))
    return out
