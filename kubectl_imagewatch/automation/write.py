"""Reading and replacing files in a working tree without following a link out of it.

The update plan checks every path (tree.py); someone with write access to the tree could still swap a
directory for a symlink between that check and the write. So a file in the tree is reached from
the repository root one component at a time with O_NOFOLLOW, and replaced by a temp file + rename
*inside the directory descriptor it was reached through*: a swap after planning makes the write fail
("changed during the update"), never land elsewhere. This is as race-free as POSIX allows from
Python (the rename cannot be made to follow a link; the only remaining window is the repository
root itself, which the user names). Reads open with O_NONBLOCK and check fstat, so a FIFO or device
is refused instead of blocking, and are capped in size.

Temp files are named `.imagewatch-<pid>-<random>.tmp`: never a manifest name (Flux reads only
.yaml/.yml/Kustomization), and a later update removes those whose process is gone.
"""
from __future__ import annotations

import os
import re
import secrets
import stat
import time
from typing import Optional

from kubectl_imagewatch.errors import OperationError

TEMP_PREFIX = ".imagewatch-"
_TEMP = re.compile(r"\.imagewatch-(\d{1,10})-[0-9a-f]{12}\.tmp\Z")
STALE_AFTER = 60.0  # seconds: a temp file younger than this may belong to a run still writing
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class TreeChanged(OperationError):
    """A path checked when planning is no longer what it was (a link or a different file type)."""


def _parts(rel: str) -> list[str]:
    parts = [p for p in rel.replace(os.sep, "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise TreeChanged(f"{rel}: path leaves the repository")
    return parts


def open_dir(root: str, rel_dir: str) -> int:
    """A descriptor of root/rel_dir reached without following any link below root."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in _parts(rel_dir):
            nfd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nfd
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_in_tree(root: str, rel: str, limit: int) -> tuple[Optional[bytes], Optional[str]]:
    """(bytes, None) of the regular file root/rel, or (None, why not): links, FIFOs, devices and files
    over `limit` bytes are refused without blocking or reading them whole."""
    d, name = os.path.split(rel)
    try:
        dfd = open_dir(root, d)
    except OSError as e:
        return None, f"cannot read: {e.strerror}"
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
    except OSError as e:
        return None, f"cannot read: {e.strerror}"
    finally:
        os.close(dfd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, "not a regular file"
        if st.st_size > limit:
            return None, f"file is over the {limit >> 20} MiB limit; not read (Flux would read it)"
        chunks, size = [], 0
        while size <= limit:
            b = os.read(fd, min(1 << 20, limit + 1 - size))
            if not b:
                break
            chunks.append(b)
            size += len(b)
        if size > limit:
            return None, f"file is over the {limit >> 20} MiB limit; not read (Flux would read it)"
        return b"".join(chunks), None
    except OSError as e:
        return None, f"cannot read: {e.strerror}"
    finally:
        os.close(fd)


def _temp_name() -> str:
    return f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}.tmp"


def _replace_at(dfd: int, name: str, data: bytes, mode: int) -> None:
    """Temp file in the directory `dfd`, fsync, rename over `name`: readers never see half a file."""
    tmp = _temp_name()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dfd)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dfd, dst_dir_fd=dfd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dfd)
        except OSError:
            pass
        raise
    try:
        os.fsync(dfd)  # the rename itself survives a crash
    except OSError:
        pass


def _replace_and_close(dfd: int, shown: str, data: bytes, mode: int) -> None:
    """_replace_at for the file `shown` names in directory dfd; dfd is closed, OS errors read as ours."""
    try:
        _replace_at(dfd, os.path.basename(shown), data, mode)
    except OSError as e:
        raise OperationError(f"cannot write {shown}: {e.strerror}") from None
    finally:
        os.close(dfd)


def write_atomic(path: str, data: bytes) -> None:
    """Replace (or create) the file at a path the user named, atomically (create --export)."""
    d = os.path.dirname(path) or "."
    try:
        mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
        dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as e:
        raise OperationError(f"cannot write {path}: {e.strerror}") from None
    _replace_and_close(dfd, path, data, mode)


def _checked_dir(root: str, rel: str) -> tuple[int, int]:
    """(directory descriptor, file mode) for replacing root/rel, or TreeChanged."""
    d, name = os.path.split(rel)
    try:
        dfd = open_dir(root, d)
    except OSError as e:
        raise TreeChanged(f"cannot write {rel}: {d or '.'} changed during the update ({e.strerror}); "
                          "nothing written") from None
    try:
        st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except OSError as e:
        os.close(dfd)
        raise TreeChanged(f"cannot write {rel}: {e.strerror} (changed during the update); nothing written") from None
    if not stat.S_ISREG(st.st_mode):
        os.close(dfd)
        raise TreeChanged(f"cannot write {rel}: no longer a regular file (changed during the update); nothing written")
    return dfd, st.st_mode & 0o7777


def replace_in_tree(root: str, files: list[tuple[str, bytes]]) -> None:
    """Replace each existing regular file root/rel with its bytes, atomically per file.

    Every target is checked before the first write (a tree changed since planning fails the whole
    write, not a part of it), then checked again through the descriptor each write uses. One
    descriptor at a time: any number of files, no descriptor limit."""
    for rel, _ in files:
        os.close(_checked_dir(root, rel)[0])
    for rel, data in files:
        dfd, mode = _checked_dir(root, rel)
        _replace_and_close(dfd, rel, data, mode)


def is_temp(name: str) -> bool:
    """A temp file this tool writes next to a file it replaces."""
    return bool(_TEMP.match(name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0
    return True


def remove_stale_temp(root: str, rel: str, now: Optional[float] = None) -> bool:
    """Remove root/rel when it is a temp file of an interrupted run (its process gone, older than a
    minute); True when removed."""
    d, name = os.path.split(rel)
    m = _TEMP.match(name)
    if not m:
        return False
    try:
        dfd = open_dir(root, d)
    except OSError:
        return False
    try:
        st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
        if not stat.S_ISREG(st.st_mode) or (now or time.time()) - st.st_mtime < STALE_AFTER:
            return False
        if _alive(int(m.group(1))):
            return False
        os.unlink(name, dir_fd=dfd)
        return True
    except OSError:
        return False
    finally:
        os.close(dfd)
