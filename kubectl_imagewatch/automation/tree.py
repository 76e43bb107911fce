"""The Setters update of one update.path: which files Flux reads there and what changes in each.

Files as image-automation-controller picks them (docs/update.md): `.yaml`/`.yml` or `Kustomization`,
holding the token `"$imagepolicy"`, parsing as YAML mappings; directory links are not followed.
Where this tool is stricter than Flux, on purpose: a link to a file outside the repository is never
read or written; `.git/` is not walked; FIFOs, devices and files over 8 MiB are not read (a FIFO
would block the run); temp files an interrupted run left behind are reported (removed on write).
"""
from __future__ import annotations

import dataclasses
import os
import re
from typing import Optional

from kubectl_imagewatch.automation import setters, write
from kubectl_imagewatch.automation.result import FileUpdate
from kubectl_imagewatch.flux import markers
from kubectl_imagewatch.flux.updatepath import UpdateTarget, within
from kubectl_imagewatch.manifests.loader import MAX_FILE_BYTES, flux_reads
from kubectl_imagewatch.manifests.screen import ScreenCache

_LIST_KIND = re.compile(r"(?m)^kind:\s*(List|ResourceList)\s*$")
_SEPARATOR_LINE = re.compile(r"(?m)^---")


@dataclasses.dataclass
class Outcome:
    """The Setters update of one target: files to write, and everything the user should hear."""

    files: list[FileUpdate] = dataclasses.field(default_factory=list)
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (repo file, reason)
    unresolved: list[tuple[str, int, str]] = dataclasses.field(default_factory=list)  # repo file, line, setter
    warnings: list[str] = dataclasses.field(default_factory=list)
    reformats: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # repo file -> what Flux also changes
    leftovers: list[str] = dataclasses.field(default_factory=list)  # temp files of interrupted runs (repo paths)


def walk_files(target: str) -> tuple[list[tuple[str, bool]], list[str]]:
    """((path, is_symlink) of the files Flux reads under target, temp files seen); directory links and
    .git/ are not entered."""
    if not os.path.isdir(target):
        return [(target, False)], []  # a file as update.path: that file is the tree
    out: list[tuple[str, bool]] = []
    temps: list[str] = []
    stack = [target]
    while stack:
        d = stack.pop()
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for e in entries:
            if e.name == ".git":
                continue  # Flux walks it; validate does not, and nothing there is a manifest
            if e.is_dir(follow_symlinks=False):
                subdirs.append(e.path)
            elif flux_reads(e.name):
                out.append((e.path, e.is_symlink()))
            elif write.is_temp(e.name):
                temps.append(e.path)
        stack.extend(reversed(subdirs))
    return out, temps


def is_list_file(text: str) -> bool:
    """A single-document `kind: List` file, which Flux unwraps into items written elsewhere."""
    return bool(_LIST_KIND.search(text)) and not _SEPARATOR_LINE.search(text.strip())


def _inside_git(target: UpdateTarget) -> bool:
    return ".git" in target.relative.split("/")


def plan_path(target: UpdateTarget, setter_values: dict[str, str],
              overlay: Optional[dict[str, bytes]] = None, screen: Optional[ScreenCache] = None) -> Outcome:
    """Plan the Setters update under one resolved update.path; `overlay` holds contents earlier
    automations already changed (real path -> bytes); `screen`: what reading the manifests found
    (files known to hold no marker are not read again)."""
    out = Outcome()
    overlay = overlay if overlay is not None else {}
    if not target.exists:
        return out
    if _inside_git(target):
        out.warnings.append(f"update.path {target.given!r} is inside .git/: nothing there is updated")
        return out
    files, temps = walk_files(target.path)
    out.leftovers = [os.path.relpath(t, target.repo) for t in temps]
    for path, is_link in files:
        _plan_file(target, path, is_link, setter_values, overlay, out, screen)
    return out


def _plan_file(target: UpdateTarget, path: str, is_link: bool, setter_values: dict[str, str],
               overlay: dict[str, bytes], out: Outcome, screen: Optional[ScreenCache]) -> None:
    from kubectl_imagewatch.automation.reformat import flux_rewrites

    repo = target.repo
    if screen is not None and not is_link and path not in overlay and screen.lacks_marker(path):
        return
    repo_file = os.path.relpath(path, repo)
    real = path
    if is_link:
        real = os.path.realpath(path)
        if not os.path.exists(real):
            return  # dangling: Flux skips it too (v1.1+)
        if not within(real, repo):
            out.skipped.append((repo_file, "symlink to a file outside the repository: not followed "
                                           "(Flux would read and rewrite it)"))
            return
        if ".git" in os.path.relpath(real, repo).split(os.sep):
            out.skipped.append((repo_file, "symlink into .git/: not followed"))
            return
        if not within(real, target.path):
            out.warnings.append(f"{repo_file} is a symlink to {os.path.relpath(real, repo)}, outside "
                                "update.path; Flux rewrites the target too, and so does this tool")
    rel_real = os.path.relpath(real, repo)
    raw = overlay.get(real)
    if raw is None:
        raw, why = write.read_in_tree(repo, rel_real, MAX_FILE_BYTES)
        if raw is None:
            out.skipped.append((repo_file, why or "cannot read"))
            return
    if markers.TOKEN.encode() not in raw:
        return
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        text = raw[3 if bom else 0:].decode("utf-8")
    except UnicodeDecodeError:
        out.skipped.append((repo_file, "not valid UTF-8"))
        return
    edit = setters.apply_markers(text, setter_values, repo_file)
    if edit.problem:
        out.skipped.append((repo_file, edit.problem))
        return
    for line, setter in edit.unresolved:
        out.unresolved.append((repo_file, line, setter))
    for c in edit.changes:
        if c.setter.endswith(":digest") and c.new == "":
            out.warnings.append(f"{repo_file}:{c.line}: {c.setter} has no reflected digest; the field is "
                                "set to an empty value, as Flux does (set digestReflectionPolicy on the policy)")
        if c.was_null:
            out.warnings.append(f"{repo_file}:{c.line}: the marked field held null; Flux would write "
                                f"'!!null {c.new}' (invalid), this tool writes the plain value")
    if edit.text is None:
        return
    if is_list_file(text):
        out.warnings.append(f"{repo_file}: a single-document kind: List; Flux would write each item to a new file "
                            "<namespace>/<kind>_<name>.yaml and leave this one unchanged; this tool edits it in place")
    rel = os.path.relpath(path, target.base).replace(os.sep, "/")
    if ".." in rel:
        out.warnings.append(f"{repo_file}: Flux refuses to write paths containing '..' and aborts the whole "
                            "update; this tool writes it")
    shown = repo_file.replace(os.sep, "/")
    changes = [dataclasses.replace(c, file=rel, repo_file=shown) for c in edit.changes]
    extra = flux_rewrites(raw, text)
    if edit.requoted:
        extra.append("unchanged marked values that read as non-strings are double-quoted ("
                     + ", ".join(f"line {line}: {value}" for line, value in edit.requoted) + ")")
    if extra:
        out.reformats[repo_file] = extra
    new = (b"\xef\xbb\xbf" if bom else b"") + edit.text.encode("utf-8")
    out.files.append(FileUpdate(repo, rel_real, repo_file, rel, raw, new, changes))
