"""The pre-commit hook's reverse check: markers and references in OTHER files that the staged change breaks.

pre-commit passes only the staged files that still exist, so deleting, renaming or moving an
ImagePolicy (or the kustomization.yaml that gives it its namespace) would pass the hook while markers
elsewhere stop resolving. When a staged change touches a Flux object or a kustomization file, the
cross-object checks (references, markers) run on the repository as it is now and as it is at HEAD; a
finding that is new, in a file the change does not touch, is reported at its own file:line with the
staged change that caused it. HEAD differs from the work tree only in the changed files, so only their
HEAD blobs are read (review/revision.py); the whole revision is read only when the change moves the
namespaces of other files (a kustomization file, a Flux Kustomization's targetNamespace).
"""
from __future__ import annotations

import dataclasses
import os
import posixpath
import subprocess
from typing import TYPE_CHECKING, Optional

from kubectl_imagewatch.findings import Finding

if TYPE_CHECKING:
    from kubectl_imagewatch.checks import Scope
    from kubectl_imagewatch.manifests.inventory import Inventory

CROSS = frozenset({"references", "markers"})
_READ = (".yaml", ".yml", ".json")
MAX_CHANGES = 10_000


@dataclasses.dataclass(frozen=True)
class Change:
    status: str  # A, M, D, R (renamed), T (type)
    path: str  # repository-relative, as it is staged (for D: the deleted path)
    old: str = ""  # R: the path at HEAD

    def describe(self) -> str:
        return {"D": f"deletes {self.path}", "A": f"adds {self.path}",
                "R": f"renames {self.old} to {self.path}"}.get(self.status, f"changes {self.path}")


def _git(top: str, *args: str) -> Optional[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
    env.update(GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        p = subprocess.run(["git", *args], cwd=top, env=env, capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return p.stdout if p.returncode == 0 else None


def toplevel(start: str) -> Optional[str]:
    out = _git(start if os.path.isdir(start) else os.path.dirname(start) or ".", "rev-parse", "--show-toplevel")
    return out.decode("utf-8", "surrogateescape").strip() or None if out else None


def changes(top: str) -> list[Change]:
    """The staged changes against HEAD (none before the first commit, or outside git)."""
    if _git(top, "rev-parse", "--verify", "--quiet", "HEAD^{commit}") is None:
        return []
    out = _git(top, "diff", "--cached", "--name-status", "-z", "-M", "--no-ext-diff", "--no-color", "HEAD", "--")
    if not out:
        return []
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    found: list[Change] = []
    i = 0
    while i < len(fields) - 1 and len(found) < MAX_CHANGES:
        st = fields[i][:1]
        if st in ("R", "C") and i + 2 < len(fields):
            found.append(Change("R" if st == "R" else "A", fields[i + 2], fields[i + 1]))
            i += 3
        else:
            found.append(Change(st, fields[i + 1]))
            i += 2
    return found


def staged_files(top: str) -> list[str]:
    """The staged files that exist and that Flux could read (what pre-commit passes the hook)."""
    return [os.path.join(top, c.path) for c in changes(top)
            if c.status != "D" and _readable(c.path) and os.path.isfile(os.path.join(top, c.path))]


def _readable(path: str) -> bool:
    name = posixpath.basename(path)
    return name.endswith(_READ) or name == "Kustomization"


def _touches_flux(top: str, chs: list[Change]) -> bool:
    """Whether a staged change can move what other files resolve: a kustomization file, or a file that
    holds (now) or held (at HEAD) a Flux object."""
    from kubectl_imagewatch.manifests import kustomize, loader

    old: list[str] = []
    for c in chs:
        if not _readable(c.path) and not (c.old and _readable(c.old)):
            continue
        if posixpath.basename(c.path) in kustomize.NAMES or posixpath.basename(c.old) in kustomize.NAMES:
            return True
        if c.status != "D" and _holds_flux(os.path.join(top, c.path)):
            return True
        if c.status != "A":
            old.append(c.old or c.path)
    if not old:
        return False
    hit = _git(top, "grep", "-l", "-I", "-F", "-e", loader.FLUX_TOKENS[0].decode(), "HEAD", "--", *old[:1000])
    return bool(hit and hit.strip())


def _holds_flux(path: str) -> bool:
    """A regular file (never a link, FIFO or device: reading one could block) holding a Flux object."""
    import stat

    from kubectl_imagewatch.manifests import loader

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        with os.fdopen(fd, "rb", closefd=False) as f:
            return any(t in f.read(loader.MAX_FILE_BYTES) for t in loader.FLUX_TOKENS)
    except OSError:
        return False
    finally:
        os.close(fd)


def _cross(inv: "Inventory", root: str, scope: "Scope") -> list[Finding]:
    from kubectl_imagewatch import checks
    from kubectl_imagewatch.checks.base import Context

    return checks.run(Context(inv, repo_root=root), dataclasses.replace(scope, paths=None, only=CROSS)).findings


def _keys(inv: "Inventory") -> dict[tuple, str]:
    """(kind, namespace, name) -> the file defining it."""
    return {(o.kind, o.namespace, o.name): o.doc.path for o in inv.objects}


def touches_flux(top: str) -> bool:
    """Whether the staged change can break markers elsewhere (then the hook reads every file's markers)."""
    chs = changes(top)
    return bool(chs) and _touches_flux(top, chs)


def broken_elsewhere(top: str, repo_root: str, default_namespace: str, scope: "Scope",
                     cache_file: Optional[str] = None, now_inv: Optional["Inventory"] = None) -> list[Finding]:
    """Findings the staged change causes in files it does not touch (empty when it touches no Flux
    object or kustomization, or when HEAD cannot be read). `now_inv`: the work tree's inventory of
    `repo_root` with every file's markers, when the caller has it (else it is built here)."""
    from kubectl_imagewatch.errors import InputError, OperationError, UsageError
    from kubectl_imagewatch.manifests import inventory

    chs = changes(top)
    if not chs or not _touches_flux(top, chs):
        return []
    touched = {c.path for c in chs} | {c.old for c in chs if c.old}
    if now_inv is None:
        now_inv = inventory.build([repo_root], default_namespace, cache_file=cache_file)
    now = _cross(now_inv, repo_root, scope)
    try:
        head_inv = _head_from_now(top, repo_root, default_namespace, now_inv, chs, touched)
        if head_inv is not None:
            before = _cross(head_inv, repo_root, scope)
            head_objs = _keys(head_inv)
        else:
            before, head_objs = _head_from_git(top, repo_root, default_namespace, scope)
    except (InputError, OperationError, UsageError, OSError):
        return []
    before_keys = {(_rel(f.path, top), f.line, f.column, f.check) for f in before}
    head_keys = set(head_objs)
    now_keys = _keys(now_inv)
    lost_paths = {k: _rel(path, top) for k, path in head_objs.items() if k not in now_keys}
    out = []
    for f in now:
        rel = _rel(f.path, top)
        if rel in touched or (rel, f.line, f.column, f.check) in before_keys:
            continue
        why = _why(f, lost_paths, head_keys, now_inv, chs)
        out.append(dataclasses.replace(
            f, message=f"{f.message} (broken by the staged change: {why})",
            hint=f"{rel} is not staged: fix it in this commit too, or keep the object as it was"
                 + (f"; {f.hint}" if f.hint else "")))
    return out


def _rel(path: str, top: str) -> str:
    return os.path.relpath(os.path.abspath(path), top).replace(os.sep, "/")


MAX_FAST = 1000  # changed paths read one by one from HEAD; more, and reading the whole revision is no slower


def _head_from_now(top: str, repo_root: str, default_namespace: str, now_inv: "Inventory", chs: list[Change],
                   touched: set[str]) -> Optional["Inventory"]:
    """The inventory at HEAD without reading HEAD's tree: a file the change does not touch is the same
    at HEAD, so its objects and markers are the work tree's; only the changed files' HEAD blobs are read
    and parsed, under their own paths. None when the change moves namespaces of untouched files (a
    kustomization file, a Flux Kustomization's targetNamespace): then HEAD is read whole."""
    from kubectl_imagewatch.manifests import inventory, kustomize
    from kubectl_imagewatch.review import revision

    if len(touched) > MAX_FAST or any(posixpath.basename(p) in kustomize.NAMES for p in touched):
        return None
    keep = [o for o in now_inv.objects if _rel(o.doc.path, top) not in touched]
    if any(kustomize.flux_kustomization_target(o.doc, o.doc.path)
           for o in now_inv.objects if _rel(o.doc.path, top) in touched):
        return None
    head = inventory.Inventory(
        objects=keep, files_read=now_inv.files_read, secrets=dict(now_inv.secrets),
        marker_files=[m for m in now_inv.marker_files if _rel(m.abspath, top) not in touched],
        directive_texts={k: v for k, v in now_inv.directive_texts.items() if _rel(k, top) not in touched})
    old = sorted({c.old or c.path for c in chs if c.status != "A" and _readable(c.old or c.path)})
    blobs = revision.read_blobs(top, "HEAD", old) if old else {}
    new = inventory.Inventory()
    targets: list[tuple[str, str, str]] = []
    keys: set[str] = set()
    for path, raw in blobs.items():
        shown = os.path.normpath(os.path.join(repo_root, os.path.relpath(os.path.join(top, path), repo_root)))
        if os.path.relpath(shown, repo_root).startswith(".."):
            continue  # outside the repository the hook reads
        key = os.path.abspath(shown)
        keys.add(key)
        inventory._read_one(new, shown, key, shown, raw, False, True, None, {}, targets, default_namespace)
    if targets:
        return None
    if new.objects:
        _namespaces_at_head(top, repo_root, new, frozenset(keys), keep)
    head.objects = keep + new.objects
    head.marker_files += new.marker_files
    head.secrets.update(new.secrets)
    head.directive_texts.update(new.directive_texts)
    return head


def _namespaces_at_head(top: str, repo_root: str, new: "Inventory", keys: frozenset[str], keep: list) -> None:
    """kustomize and Flux Kustomization namespaces for objects read from HEAD blobs: the kustomization
    files are untouched, so the work tree's give HEAD's (a deleted file still counts as listed)."""
    from kubectl_imagewatch.manifests import inventory, kustomize

    out = _git(top, "ls-files", "-z", "-c", "-o", "--exclude-standard", "--full-name", "--",
               *(f"*{n}" for n in kustomize.NAMES))
    root = os.path.abspath(repo_root)
    kfiles = [p for p in (os.path.join(top, r) for r in (out or b"").decode("utf-8", "surrogateescape").split("\0")
                          if posixpath.basename(r) in kustomize.NAMES)
              if os.path.abspath(p).startswith(root + os.sep) and os.path.isfile(p)]
    by_file = kustomize.namespaces(kfiles, also=keys) if kfiles else {}
    for o in new.objects:
        ns = by_file.get(os.path.abspath(o.doc.path))
        if ns:
            o.namespace, o.namespace_given = ns, True
    targets = list(dict.fromkeys(t for o in keep for t in kustomize.flux_kustomization_target(o.doc, o.doc.path)))
    if targets:
        inventory._apply_target_namespaces(new, targets, [repo_root])


def _head_from_git(top: str, repo_root: str, default_namespace: str,
                   scope: "Scope") -> tuple[list[Finding], dict[tuple, str]]:
    """HEAD's cross-object findings and objects, from its tree read into a private directory; paths
    given as if in the work tree."""
    from kubectl_imagewatch.manifests import inventory
    from kubectl_imagewatch.review import revision

    rel_root = os.path.relpath(repo_root, top)
    with revision.materialise(top, "HEAD") as tree:
        head_root = os.path.normpath(os.path.join(tree.root, rel_root))
        if not os.path.isdir(head_root):
            return [], {}
        head_inv = inventory.build([head_root], default_namespace)

        def here(p: str) -> str:
            return os.path.join(top, os.path.relpath(p, tree.root))
        before = [dataclasses.replace(f, path=here(f.path)) for f in _cross(head_inv, head_root, scope)]
        objs = {k: here(path) for k, path in _keys(head_inv).items()}
    return before, objs


def _culprits(f: Finding, lost_paths: dict) -> list:
    """The lost objects a finding names, the likeliest first: a file may define an ImageRepository
    and an ImagePolicy of one name; markers (IW4xx) name policies, references (IW3xx) repositories."""
    named = [(key, rel) for key, rel in lost_paths.items()
             if f"{key[1]}:{key[2]}" in f.message or f"{key[1]}/{key[2]}" in f.message]
    subject = "ImagePolicy" if f.check.startswith("IW4") else "ImageRepository"
    return sorted(named, key=lambda kr: (kr[0][0] not in f.message, kr[0][0] != subject))


def _why(f: Finding, lost_paths: dict, head_keys: set, now_inv: "Inventory", chs: list[Change]) -> str:
    """The staged change that made this finding, in words: the object it removed, renamed or moved."""
    by_path = {c.old or c.path: c for c in chs}
    for (kind, ns, name), rel in _culprits(f, lost_paths):
        moved = [o.namespace for o in now_inv.objects if o.kind == kind and o.name == name and o.namespace != ns]
        c = by_path.get(rel)
        if moved:
            return f"{kind} {name} moves from namespace {ns} to {moved[0]}" + (f" ({c.describe()})" if c else "")
        if c is not None and c.status == "D":
            return f"it deletes {rel}, which defined {kind} {ns}/{name}"
        if c is not None and c.status == "R":
            return f"it renames {c.old} to {c.path}, and {kind} {ns}/{name} is gone"
        renamed = [o for o in now_inv.objects if c is not None and o.kind == kind
                   and (o.kind, o.namespace, o.name) not in head_keys
                   and os.path.abspath(o.doc.path).endswith(os.sep + c.path.replace("/", os.sep))]
        if renamed:
            return f"{kind} {ns}/{name} is renamed to {renamed[0].namespace}/{renamed[0].name} in {rel}"
        return f"{kind} {ns}/{name} is removed from {rel}"
    kinds = [c.describe() for c in chs if _readable(c.path)][:3]
    return "it " + ", ".join(kinds) if kinds else "see git diff --cached"
