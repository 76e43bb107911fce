"""Where an ImageUpdateAutomation's `spec.update.path` points, resolved as Flux resolves it.

image-automation-controller joins the path to the checkout with cyphar/filepath-securejoin
(`internal/policy/applier.go`): `..` cannot climb above the root (leading `..` are dropped, the rest
kept), an absolute path is read relative to the root, and symlinks met on the way are expanded
*inside* the root (an absolute link target restarts at the root). validate (IW304, IW409), simulate,
update and the commit message all use this one resolution.
"""
from __future__ import annotations

import dataclasses
import errno
import os
import posixpath
from typing import Any, Optional

_MAX_LINKS = 255  # securejoin's maxSymlinkLimit


def within(path: str, root: str) -> bool:
    """path is root or below it (both absolute, same form: both real or both lexical)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def clean(update_path: Optional[str]) -> str:
    """The lexical part of SecureJoin: the path relative to the root, '.' for the root itself."""
    return posixpath.normpath("/" + (update_path or ".")).lstrip("/") or "."


def secure_join(root: str, unsafe: str) -> str:
    """cyphar/filepath-securejoin SecureJoin(root, unsafe): a path inside root, links expanded in it."""
    current, remaining, links = "", unsafe, 0
    while remaining:
        part, _, remaining = remaining.partition("/")
        nxt = posixpath.normpath(posixpath.join("/", current, part))
        if nxt == "/":
            current = ""
            continue
        full = root + nxt
        if not os.path.islink(full):  # absent components count as plain ones, as in securejoin
            current = nxt
            continue
        links += 1
        if links > _MAX_LINKS:
            raise OSError(errno.ELOOP, "too many levels of symbolic links", unsafe)
        dest = os.readlink(full)
        remaining = dest + "/" + remaining
        if dest.startswith("/"):
            current = ""
    return os.path.join(root, posixpath.normpath(posixpath.join("/", current)).lstrip("/"))


@dataclasses.dataclass(frozen=True)
class UpdateTarget:
    """One automation's update.path in one checkout: resolved once, handed to everything after."""

    repo: str  # the repository root, real path
    path: str  # the file or directory Flux walks, real path inside repo
    given: Optional[str]  # spec.update.path as written

    @property
    def exists(self) -> bool:
        return os.path.exists(self.path)

    @property
    def base(self) -> str:
        """The directory Flux's FileChanges paths are relative to (a file target's directory)."""
        return self.path if os.path.isdir(self.path) or not self.exists else os.path.dirname(self.path)

    @property
    def relative(self) -> str:
        """The target relative to the repository root ('.' for the root)."""
        return os.path.relpath(self.path, self.repo).replace(os.sep, "/")


def resolve(repo_root: str, update_path: Optional[str]) -> UpdateTarget:
    """update.path inside repo_root, as Flux's SecureJoin resolves it (never outside the root)."""
    real_repo = os.path.realpath(repo_root)
    try:
        joined = secure_join(real_repo, update_path or ".")
    except OSError:  # a symlink loop: Flux fails the run; nothing under it is updated
        joined = os.path.join(real_repo, clean(update_path))
    if "\0" in joined:  # no such path can exist (Go's lstat: invalid argument); it stays missing
        return UpdateTarget(real_repo, joined, update_path)
    target = os.path.realpath(joined)
    if not within(target, real_repo):  # only a concurrent change of the tree can get here
        target = real_repo
    return UpdateTarget(real_repo, target, update_path)


def of_automation(auto: Any, repo_root: str) -> UpdateTarget:
    """The resolved spec.update.path of an ImageUpdateAutomation (missing path: the root)."""
    upd = auto.spec.get("update")
    path = upd.get("path") if isinstance(upd, dict) else None
    if path is not None and not isinstance(path, str):  # `path: 5`: the API server refuses the object, so
        path = str(path)  # Flux never runs it; here it names a directory that is not there (never the root)
    return resolve(repo_root, path)

