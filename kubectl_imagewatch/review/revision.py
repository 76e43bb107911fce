"""A git revision's manifests in a private temporary directory, read with git, never checked out.

`diff BASE` compares two trees with the same machinery, so the base side has to exist as files.
The work tree, index and refs are never touched: `git ls-tree` lists the revision, `git cat-file
--batch` streams the blobs Flux could read (YAML and `Kustomization` files), and those the
inventory could keep (Flux objects, markers, Secrets, kustomizations) are written to a fresh 0700
directory. Everything is bounded (files, bytes, time); path names are checked (no `..`, no `.git`);
a symlink is recreated only when it resolves, inside the revision, to a file it also holds, and
then points straight at that file, so nothing read through it can leave the directory. The
directory is removed when the `materialise` block ends, whatever happens.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import posixpath
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from typing import IO, Callable, Iterator, Optional

from kubectl_imagewatch.errors import InputError, OperationError, UsageError

MAX_ENTRIES = 1_000_000      # tree entries listed (any kind)
MAX_FILES = 100_000          # YAML files read from one revision
MAX_BYTES = 512 << 20        # their total size
MAX_FILE_BYTES = 8 << 20     # the loader skips bigger files anyway
MAX_LINK_HOPS = 40           # as the kernel's ELOOP
MAX_LINKS = 10_000           # symlinks read from one revision
MAX_LINK_BYTES = 4096        # PATH_MAX: a longer "target" is not a link anyone made by hand
TIMEOUT = 120.0              # seconds for everything git does for one revision


def _wanted(path: str) -> bool:
    """Files the loader, kustomize namespaces or Setters may read."""
    name = posixpath.basename(path)
    return name.endswith((".yaml", ".yml", ".json")) or name == "Kustomization"


# Content the inventory may keep: Flux objects, markers (near-misses too), Secrets. Anything else it
# screens out unparsed, so writing it would only cost time (10,000 creates are seconds on some disks).
_SCREEN = re.compile(rb"(?i)fluxcd\.io|imagepolicy|secret")


def _kept(path: str, data: bytes) -> bool:
    from kubectl_imagewatch.manifests import kustomize, loader

    name = posixpath.basename(path)
    return name in kustomize.NAMES or name.startswith(".imagewatch") or _SCREEN.search(data) is not None \
        or any(t in data for t in loader.FLUX_TOKENS)


def _env() -> dict:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C", GIT_OPTIONAL_LOCKS="0")
    for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        env.pop(k, None)
    return env


def _git(cwd: str, *args: str, timeout: float = 30.0, input: Optional[bytes] = None) -> subprocess.CompletedProcess:
    try:
        if input is not None:
            return subprocess.run(["git", *args], cwd=cwd, env=_env(), capture_output=True, timeout=timeout, input=input)
        return subprocess.run(["git", *args], cwd=cwd, env=_env(), capture_output=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise UsageError("git is not installed (diff reads the base revision with git)") from None
    except subprocess.TimeoutExpired:
        raise OperationError(f"git {args[args[0].startswith('-'):][0]} took over {timeout:.0f} s") from None


def _stderr(p: subprocess.CompletedProcess) -> str:
    return p.stderr.decode("utf-8", "replace").strip().splitlines()[-1:][0] if p.stderr.strip() else ""


def toplevel(start: str) -> str:
    """The work tree's top directory holding `start`, or a usage error."""
    d = start if os.path.isdir(start) else (os.path.dirname(start) or ".")
    p = _git(d, "rev-parse", "--show-toplevel")
    out = p.stdout.decode("utf-8", "replace").strip()
    if p.returncode != 0 or not out:
        raise UsageError(f"not a git repository: {os.path.abspath(d)} (diff compares a revision with the work tree; "
                         f"git: {_stderr(p) or 'no work tree'})")
    return out


def resolve(top: str, rev: str) -> str:
    """The commit id `rev` names (any revision git accepts), or a usage error."""
    if not rev or rev.startswith("-") or "\0" in rev or len(rev) > 1024:
        raise UsageError(f"not a revision: {rev!r}")
    p = _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    out = p.stdout.decode("ascii", "replace").strip()
    if p.returncode != 0 or not out:
        raise UsageError(f"unknown revision {rev!r} in {top} (a branch, tag or commit; in a shallow CI clone, "
                         "fetch the base first, e.g. `git fetch origin main` or checkout with fetch-depth: 0)")
    return out


def read_blobs(top: str, rev: str, paths: list[str]) -> dict[str, bytes]:
    """The contents at `rev` of these repository-relative paths, without writing anything: regular
    files only (no symlink, submodule or directory), each at most MAX_FILE_BYTES, MAX_BYTES in all;
    a path missing at `rev` (or unsafe) is left out. The pre-commit hook reads its few changed files so."""
    commit = resolve(top, rev)
    wanted = [p for p in dict.fromkeys(paths) if _safe(p) and "\n" not in p][:MAX_FILES]
    if not wanted:
        return {}
    ls = _git(top, "--literal-pathspecs", "ls-tree", "-r", "-z", "-l", "--full-tree", commit, "--", *wanted)
    if ls.returncode != 0:
        raise OperationError(f"git ls-tree {commit[:12]}: {_stderr(ls) or 'failed'}")
    blobs: list[_Entry] = []
    total = 0
    for e in filter(None, map(_parse, ls.stdout.split(b"\0"))):
        if e.kind == "blob" and e.mode in ("100644", "100755") and e.size <= MAX_FILE_BYTES \
                and total + e.size <= MAX_BYTES and e.path in wanted:
            blobs.append(e)
            total += e.size
    if not blobs:
        return {}
    cat = _git(top, "cat-file", "--batch", timeout=TIMEOUT, input=b"".join(e.oid.encode("ascii") + b"\n" for e in blobs))
    out: dict[str, bytes] = {}
    buf, pos = cat.stdout, 0
    for e in blobs:
        nl = buf.find(b"\n", pos)
        head = buf[pos:nl].split() if nl >= 0 else []
        if len(head) != 3 or head[1] != b"blob" or not head[2].isdigit() or nl + 1 + int(head[2]) > len(buf):
            raise OperationError(f"git cat-file: unexpected answer for {e.path}")
        size = int(head[2])
        out[e.path] = buf[nl + 1:nl + 1 + size]
        pos = nl + 1 + size + 1
    return out


@dataclasses.dataclass
class Tree:
    """A materialised revision: `root` mirrors the repository's top level."""

    root: str
    commit: str
    files: int = 0                # written
    bytes: int = 0                # read from git
    screened: int = 0             # read, but nothing the inventory keeps: not written
    written: set[str] = dataclasses.field(default_factory=set)
    skipped: list[str] = dataclasses.field(default_factory=list)  # "path: why", for the curious


@dataclasses.dataclass(frozen=True)
class _Entry:
    mode: str
    kind: str
    oid: str
    size: int
    path: str


def _parse(rec: bytes) -> Optional[_Entry]:
    meta, _, raw_path = rec.partition(b"\t")
    fields = meta.split()
    if len(fields) != 4:
        return None
    mode, kind, oid, size = (f.decode("ascii", "replace") for f in fields)
    return _Entry(mode, kind, oid, int(size) if size.isdigit() else 0, raw_path.decode("utf-8", "surrogateescape"))


def _list(top: str, commit: str, deadline: float) -> list[_Entry]:
    """Every entry of the revision, read as a stream and refused past MAX_ENTRIES (memory stays bounded)."""
    try:
        proc = subprocess.Popen(["git", "ls-tree", "-r", "-t", "-z", "-l", "--full-tree", commit], cwd=top, env=_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as err:
        raise OperationError(f"git ls-tree: {err}") from None
    assert proc.stdout is not None and proc.stderr is not None
    timer = threading.Timer(max(deadline - time.monotonic(), 0.0), proc.kill)
    timer.start()
    out: list[_Entry] = []
    rest = b""
    try:
        while True:
            chunk = proc.stdout.read(1 << 16)
            if not chunk:
                break
            recs = (rest + chunk).split(b"\0")
            rest = recs.pop()
            out.extend(e for e in map(_parse, recs) if e is not None)
            if len(out) > MAX_ENTRIES:
                raise InputError(f"revision {commit[:12]} lists over {MAX_ENTRIES} entries; refusing to read it")
        stderr = proc.stderr.read(4096).decode("utf-8", "replace").strip()
        if proc.wait(5) != 0:
            why = "timed out" if time.monotonic() > deadline else (stderr.splitlines() or ["failed"])[-1]
            raise OperationError(f"git ls-tree {commit[:12]}: {why}")
    finally:
        timer.cancel()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(5)
        for f in (proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                f.close()
    return out


def _safe(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and "\0" not in path and not path.startswith("/") and \
        all(p not in ("", ".", "..") and p.lower() != ".git" for p in parts)


def _follow(path: str, links: dict[str, str], files: set[str]) -> Optional[str]:
    """The regular file a symlink ends at, resolved inside the revision only (None: outside/dangling/loop)."""
    todo = path.split("/")
    done: list[str] = []
    hops = 0
    while todo:
        part = todo.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return None  # above the repository
            done.pop()
            continue
        cur = "/".join(done + [part])
        if cur in links:
            hops += 1
            target = links[cur]
            if hops > MAX_LINK_HOPS or not target or target.startswith("/"):
                return None
            todo = target.split("/") + todo
            continue
        done.append(part)
    final = "/".join(done)
    return final if final in files else None


def _mkdirs(root: str, rel: str, made: Optional[set] = None) -> None:
    """Real directories only: an existing symlink on the way is an error, never followed."""
    d = root
    for part in rel.split("/") if rel else []:
        d = os.path.join(d, part)
        if made is not None and d in made:
            continue
        try:
            os.mkdir(d, 0o700)
        except FileExistsError:
            if os.path.islink(d) or not os.path.isdir(d):
                raise OSError(f"{d} is not a directory") from None
        if made is not None:
            made.add(d)


def _write(root: str, rel: str, data: bytes, made: set) -> None:
    _mkdirs(root, posixpath.dirname(rel), made)
    fd = os.open(os.path.join(root, rel), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    chunks, left = [], n
    while left:
        b = stream.read(left)
        if not b:
            raise OperationError("git cat-file ended early")
        chunks.append(b)
        left -= len(b)
    return b"".join(chunks)


def _stream(top: str, tree: Tree, blobs: list[_Entry], deadline: float, made: set[str]) -> None:
    """Blob contents through one `git cat-file --batch`: a thread feeds the ids while this one reads."""
    if not blobs:
        return
    try:
        proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=top, env=_env(), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=1 << 20)
    except OSError as err:
        raise OperationError(f"git cat-file: {err}") from None
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout

    def feed() -> None:
        with contextlib.suppress(OSError):
            for e in blobs:
                stdin.write(e.oid.encode("ascii") + b"\n")
            stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    timer = threading.Timer(max(deadline - time.monotonic(), 0.0), proc.kill)  # a hung git cannot hang us
    timer.start()
    try:
        for e in blobs:
            head = stdout.readline(200).split()
            if len(head) != 3 or head[1] != b"blob" or not head[2].isdigit():
                if time.monotonic() > deadline:
                    raise OperationError(f"reading revision {tree.commit[:12]} took over {TIMEOUT:.0f} s")
                raise OperationError(f"git cat-file: unexpected answer for {e.path}")
            size = int(head[2])
            if size > MAX_FILE_BYTES or tree.bytes + size > MAX_BYTES:
                raise InputError(f"revision {tree.commit[:12]}: {e.path} is larger than its listing said; refusing")
            data = _read_exact(stdout, size)
            _read_exact(stdout, 1)  # the newline after each object
            tree.bytes += size
            if not _kept(e.path, data):
                tree.screened += 1
                continue
            try:
                _write(tree.root, e.path, data, made)
            except OSError as err:
                tree.skipped.append(f"{e.path}: cannot write ({err})")
                continue
            tree.files += 1
            tree.written.add(e.path)
    finally:
        timer.cancel()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait(5)
        writer.join(5)
        for f in (stdin, stdout):
            with contextlib.suppress(OSError):
                f.close()


@contextlib.contextmanager
def materialise(top: str, rev: str) -> Iterator[Tree]:
    """Yield `rev`'s manifests under a private temp directory; always removed afterwards."""
    commit = resolve(top, rev)
    root = tempfile.mkdtemp(prefix="imagewatch-base-")
    restore = _exit_on_sigterm()
    try:
        tree = Tree(root, commit)
        deadline = time.monotonic() + TIMEOUT
        entries = _list(top, commit, deadline)
        blobs: list[_Entry] = []
        links: dict[str, str] = {}
        dirs: list[str] = []
        for e in entries:
            if not _safe(e.path):
                tree.skipped.append(f"{e.path!r}: unsafe path name")
            elif e.mode == "120000":
                links[e.path] = ""
            elif e.kind in ("tree", "commit"):
                dirs.append(e.path)  # every directory exists, even one whose files are all screened out
            elif e.kind != "blob" or not _wanted(e.path):
                continue
            elif e.size > MAX_FILE_BYTES:
                tree.skipped.append(f"{e.path}: {e.size >> 20} MiB, over the {MAX_FILE_BYTES >> 20} MiB limit")
            else:
                blobs.append(e)
        if len(blobs) > MAX_FILES:
            raise InputError(f"revision {rev!r} holds {len(blobs)} YAML files, over the limit of {MAX_FILES}")
        total = sum(e.size for e in blobs)
        if total > MAX_BYTES:
            raise InputError(f"revision {rev!r} holds {total >> 20} MiB of YAML, over the limit of {MAX_BYTES >> 20} MiB")
        if len(dirs) > MAX_FILES:
            raise InputError(f"revision {rev!r} holds {len(dirs)} directories, over the limit of {MAX_FILES}")
        made: set[str] = set()
        for d in dirs:  # parents come before children in git's order
            try:
                _mkdirs(root, d, made)
            except OSError as err:
                tree.skipped.append(f"{d}: cannot create ({err})")
        _stream(top, tree, blobs, deadline, made)
        _links(top, tree, entries, links, {e.path for e in blobs})
        yield tree
    finally:
        shutil.rmtree(root, ignore_errors=True)
        restore()


def _exit_on_sigterm() -> Callable[[], None]:
    """SIGTERM (a cancelled CI job) unwinds like ^C, so the temp directory is removed; returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, stop)

    def undo() -> None:
        signal.signal(signal.SIGTERM, old)
    return undo


def _links(top: str, tree: Tree, entries: list[_Entry], links: dict[str, str], files: set[str]) -> None:
    """Recreate the revision's symlinks to files it holds; skip the rest (outside, dangling, loops)."""
    wanted = [e for e in entries if e.mode == "120000" and _safe(e.path) and e.size <= MAX_LINK_BYTES]
    if not wanted:
        return
    if len(wanted) > MAX_LINKS:
        raise InputError(f"revision {tree.commit[:12]} holds over {MAX_LINKS} symlinks; refusing to read it")
    try:
        buf = subprocess.run(["git", "cat-file", "--batch"], cwd=top, env=_env(), capture_output=True, timeout=TIMEOUT,
                             input=b"".join(e.oid.encode("ascii") + b"\n" for e in wanted)).stdout
    except (OSError, subprocess.TimeoutExpired) as err:
        raise OperationError(f"reading the symlinks of {tree.commit[:12]} failed: {err}") from None
    pos = 0
    for e in wanted:
        nl = buf.find(b"\n", pos)
        head = buf[pos:nl].split() if nl >= 0 else []
        if len(head) != 3 or not head[2].isdigit():
            break
        size = int(head[2])
        links[e.path] = buf[nl + 1:nl + 1 + size].decode("utf-8", "surrogateescape")
        pos = nl + 1 + size + 1
    for e in wanted:
        if not _wanted(e.path):
            continue
        final = _follow(e.path, links, files)
        if final is not None and final not in tree.written:
            continue  # a link to a file screened out: nothing there for the inventory
        if final is None or not os.path.isfile(os.path.join(tree.root, final)):
            tree.skipped.append(f"{e.path}: symlink to {links.get(e.path)!r}, not a file inside the revision")
            continue
        here = posixpath.dirname(e.path)
        try:
            _mkdirs(tree.root, here)
            os.symlink(posixpath.relpath(final, here or "."), os.path.join(tree.root, e.path))
        except OSError as err:
            tree.skipped.append(f"{e.path}: cannot recreate the symlink ({err})")

