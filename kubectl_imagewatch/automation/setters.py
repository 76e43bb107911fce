"""The Setters update: find the marked scalars under update.path and rewrite only their bytes.

Which files and markers count follows image-automation-controller (see markers.py and
docs/update.md): `.yaml`/`.yml` or `Kustomization`, containing the token `"$imagepolicy"`, parsing
as YAML mappings. Unlike Flux's kyaml round-trip, nothing but the marked values changes: comments,
order, indentation, quoting and line endings stay; the new token is what Flux writes for that
scalar (same quote style; double quotes where a plain value would change type). Paths that leave
the repository (symlinks, `..`) are never read or written.
"""
from __future__ import annotations

import dataclasses
import os
import posixpath
import re
from typing import Optional

from kubectl_imagewatch.flux import markers
from kubectl_imagewatch.manifests.scalars import needs_quotes

_SEPARATOR = re.compile(r"^---(.*)$", re.M)


@dataclasses.dataclass
class FileResult:
    abspath: str
    repo_file: str
    file: str  # relative to update.path (Flux's FileChanges key)
    old: bytes
    new: bytes
    changes: list[dict]


@dataclasses.dataclass
class Outcome:
    files: list[FileResult] = dataclasses.field(default_factory=list)
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (repo file, reason)
    unresolved: list[tuple[str, int, str, str]] = dataclasses.field(default_factory=list)  # file, line, setter, why
    warnings: list[str] = dataclasses.field(default_factory=list)
    reformats: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # repo file -> what Flux also changes


def _dq(v: str) -> str:
    out = []
    for ch in v:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def token(sc: markers.Scalar, new: str) -> str:
    """The bytes Flux's emitter writes for this scalar holding `new`, minus its reformatting."""
    if sc.style == '"':
        return _dq(new)
    if sc.style == "'":
        return "'" + new.replace("'", "''") + "'" if "\n" not in new else _dq(new)
    if not new or needs_quotes(new):
        return _dq(new)
    if sc.flow and any(c in new for c in ":,[]{}"):
        return "'" + new.replace("'", "''") + "'"
    return new


def flux_reads(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) or os.path.basename(name) == "Kustomization"


def within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve_update_root(repo_root: str, update_path: Optional[str]) -> tuple[str, str]:
    """(real root dir, real target) of update.path, clamped at the repository like securejoin."""
    real_repo = os.path.realpath(repo_root)
    rel = posixpath.normpath("/" + (update_path or ".")).lstrip("/")
    target = os.path.realpath(os.path.join(real_repo, rel))
    if not within(target, real_repo):
        target = real_repo
    return real_repo, target


def _walk(target: str) -> list[tuple[str, bool]]:
    """(path, is_symlink) of the files Flux reads under target; directory links are not followed."""
    if os.path.isfile(target):
        return [(target, os.path.islink(target))]
    out: list[tuple[str, bool]] = []
    stack = [target]
    while stack:
        d = stack.pop()
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                subdirs.append(e.path)
            elif flux_reads(e.name):
                out.append((e.path, e.is_symlink()))
        stack.extend(reversed(subdirs))
    return out


def apply_markers(text: str, setters: dict[str, str], path: str) -> tuple[Optional[str], list[dict], list, Optional[str]]:
    """(new text or None, changes, unresolved markers, problem) for one file's text."""
    from kubectl_imagewatch.manifests import loader

    for m in _SEPARATOR.finditer(text):
        rest = m.group(1)
        if rest.strip() and not rest.strip().startswith("#"):
            return None, [], [], "invalid document separator (Flux's reader rejects text after ---)"
    docs, findings, nodes = loader.parse_documents(text, path)
    fatal = [f for f in findings if f.check != "IW003"]  # Flux accepts duplicate keys
    if fatal:
        return None, [], [], fatal[0].message
    for n in nodes:
        if n is not None and n.id == "scalar" and n.value == "" and not getattr(n, "style", None):
            continue  # an empty document: dropped, as Flux's reader does
        if n is not None and n.id != "mapping":
            return None, [], [], "a document is not a mapping (Flux skips the whole file)"
    found, _ = markers.scan(text, nodes)
    edits, changes, unresolved = [], [], []
    for mk in found:
        if mk.setter not in setters:
            unresolved.append((mk.comment_line, mk.setter))
            continue
        new = setters[mk.setter]
        if new == mk.scalar.value and not (mk.scalar.tag.endswith(":null") and not mk.scalar.style):
            if not mk.scalar.style and needs_quotes(new):
                changes.append({"requote": mk.scalar.value, "line": mk.scalar.line})
            continue
        tok = token(mk.scalar, new)
        edits.append((mk.scalar.start, mk.scalar.end, tok))
        changes.append({"line": mk.scalar.line, "setter": mk.setter, "oldValue": mk.scalar.value,
                        "newValue": new, "object": mk.object_id,
                        "nullField": bool(mk.scalar.tag.endswith(":null") and not mk.scalar.style)})
    if not edits:
        return None, changes, unresolved, None
    out = text
    for start, end, tok in sorted(set(edits), reverse=True):
        out = out[:start] + tok + out[end:]
    return out, changes, unresolved, None


def run(repo_root: str, update_path: Optional[str], setters: dict[str, str],
        overlay: Optional[dict[str, bytes]] = None) -> Outcome:
    """Plan the Setters update; `overlay` holds contents earlier automations already changed."""
    out = Outcome()
    real_repo, target = resolve_update_root(repo_root, update_path)
    base = target if os.path.isdir(target) else os.path.dirname(target)
    overlay = overlay if overlay is not None else {}
    from kubectl_imagewatch.manifests import loader

    for path, is_link in _walk(target):
        if not is_link and path not in overlay:
            try:
                if loader.screened_out(path, os.stat(path)):
                    continue
            except OSError:
                pass
        repo_file = os.path.relpath(path, real_repo)
        if is_link:
            real = os.path.realpath(path)
            if not os.path.exists(real):
                continue  # dangling: Flux skips it too (v1.1+)
            if not within(real, real_repo):
                out.skipped.append((repo_file, "symlink to a file outside the repository: not followed "
                                               "(Flux would read and rewrite it)"))
                continue
            if not within(real, target):
                out.warnings.append(f"{repo_file} is a symlink to {os.path.relpath(real, real_repo)}, outside "
                                    "update.path; Flux rewrites the target too, and so does this tool")
        else:
            real = path
        try:
            raw = overlay.get(real)
            if raw is None:
                with open(real, "rb") as f:
                    raw = f.read()
        except OSError as e:
            out.skipped.append((repo_file, f"cannot read: {e.strerror}"))
            continue
        if markers.TOKEN.encode() not in raw:
            continue
        bom = raw.startswith(b"\xef\xbb\xbf")
        try:
            text = raw[3 if bom else 0:].decode("utf-8")
        except UnicodeDecodeError:
            out.skipped.append((repo_file, "not valid UTF-8"))
            continue
        new, changes, unresolved, problem = apply_markers(text, setters, repo_file)
        if problem:
            out.skipped.append((repo_file, problem))
            continue
        for line, setter in unresolved:
            out.unresolved.append((repo_file, line, setter, ""))
        requotes = [c for c in changes if "requote" in c]
        changes = [c for c in changes if "requote" not in c]
        for c in changes:
            if c["setter"].endswith(":digest") and c["newValue"] == "":
                out.warnings.append(f"{repo_file}:{c['line']}: {c['setter']} has no reflected digest; the field is "
                                    "set to an empty value, as Flux does (set digestReflectionPolicy on the policy)")
            if c.pop("nullField"):
                out.warnings.append(f"{repo_file}:{c['line']}: the marked field held null; Flux would write "
                                    f"'!!null {c['newValue']}' (invalid), this tool writes the plain value")
        if new is None:
            continue
        if _is_list_file(text):
            out.warnings.append(f"{repo_file}: a single-document kind: List; Flux would write each item to a new file "
                                "<namespace>/<kind>_<name>.yaml and leave this one unchanged; this tool edits it in place")
        rel = os.path.relpath(path, base)
        if ".." in rel.replace(os.sep, "/"):
            out.warnings.append(f"{repo_file}: Flux refuses to write paths containing '..' and aborts the whole "
                                "update; this tool writes it")
        for c in changes:
            c["file"], c["repoFile"] = rel.replace(os.sep, "/"), repo_file.replace(os.sep, "/")
        from kubectl_imagewatch.automation.reformat import flux_rewrites

        extra = flux_rewrites(raw, text)
        if requotes:
            extra.append("unchanged marked values that read as non-strings are double-quoted ("
                         + ", ".join(f"line {c['line']}: {c['requote']}" for c in requotes) + ")")
        if extra:
            out.reformats[repo_file] = extra
        out.files.append(FileResult(real, repo_file, rel, raw, (b"\xef\xbb\xbf" if bom else b"") + new.encode("utf-8"),
                                    changes))
    return out


def _is_list_file(text: str) -> bool:
    import re as _re

    return bool(_re.search(r"(?m)^kind:\s*(List|ResourceList)\s*$", text)) and not _re.search(r"(?m)^---", text.strip())


def write_atomic(path: str, data: bytes) -> None:
    """Temp file in the same directory, fsync, rename: readers never see half a file."""
    import tempfile

    d = os.path.dirname(path) or "."
    mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
    fd, tmp = tempfile.mkstemp(prefix=".imagewatch-", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
