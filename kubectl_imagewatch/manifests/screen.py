"""Screening on bytes: which files and which documents are worth composing as YAML.

Composing YAML is the costly step (one 600 KB install bundle of CRDs takes ~0.4 s), and most of a
GitOps repository holds nothing image automation reads: CustomResourceDefinitions (which name the
Flux groups), controller Deployments, Deployments without markers. Two screens, both on bytes:

- per document: `split_documents` cuts a stream on its `---` lines and reads each document's
  top-level `kind:` when the bytes leave no doubt; documents of other kinds are never composed;
- per file: `ScreenCache` remembers, by (size, mtime_ns), what a file held: nothing of interest (not
  read again), or no marker token (the update.path walk skips it). One cache, passed explicitly:
  kept in .git/ between runs of the pre-commit hook, in memory otherwise.
"""
from __future__ import annotations

import os
import re
from typing import Optional

_COLUMN0 = re.compile(r"\n([^ \t\r\n#][^\n]*)")  # a line at column 0, not blank, not a comment
_SEPARATOR = re.compile(r"---(?:[ \t]*|[ \t]+#[^\n]*)\r?")
_CONTENT = re.compile(r"^[ \t]*[^\s#]", re.M)
_PLAIN_KEY = re.compile(r"[A-Za-z_][\w.-]*:(?:[ \t]|\r?$)")
_KIND = re.compile(r"kind:[ \t]+(?:([A-Za-z][A-Za-z0-9]*)|\"([A-Za-z][A-Za-z0-9]*)\"|'([A-Za-z][A-Za-z0-9]*)')"
                   r"[ \t]*(?:#[^\n]*)?\r?$")


class _Kind:
    """The top-level kind of one document, read from its lines at column 0 (see split_documents)."""

    def __init__(self) -> None:
        self.kind: Optional[str] = None
        self.doubt = False
        self.first = True

    def line(self, line: str) -> None:
        if self.doubt:
            return
        if line.startswith("-") and not self.first and line[1:2] in ("", " ", "\t", "\r"):
            return  # an entry of a sequence a top-level key holds, written at the key's indentation
        self.first = False
        if not _PLAIN_KEY.match(line):
            self.doubt = True
        elif line.startswith("kind:"):
            k = _KIND.match(line)
            if self.kind is not None or k is None:
                self.doubt = True
            else:
                self.kind = k.group(1) or k.group(2) or k.group(3)

    def result(self, doc: str) -> Optional[str]:
        if self.doubt or self.kind is None or "<<" in doc:
            return None
        m = _CONTENT.search(doc[3:] if doc.startswith("---") else doc)
        return None if m is None or m.group()[0] in " \t" else self.kind


def split_documents(text: str) -> Optional[list[tuple[int, str, Optional[str]]]]:
    """(first line, 0-based; text; top-level kind or None) of each document of a YAML stream, or None
    when the stream is not cut safely on its `---` lines (a `...` end marker, a directive, content
    after `---`).

    A line starting `---` followed by a blank or its end starts a document in any YAML context (the
    spec forbids it inside scalars), so cutting there keeps every document whole. The text before
    the first `---` is a document only when it holds more than comments.

    The kind is given only when the bytes leave no doubt: the document is a block mapping starting
    at column 0 (so every top-level key is a line at column 0, and every other line at column 0
    looks like a plain key or starts a sequence entry `- `), has no merge key `<<`, and exactly one
    such line is `kind: <Name>` with a plain or simply quoted name. One scan over the lines at
    column 0 (a 600 KB bundle: ~1 ms)."""
    cuts: list[int] = []
    kinds = [_Kind()]
    for m in _COLUMN0.finditer("\n" + text):
        line = m.group(1)
        if line.startswith(("---", "...", "%")):
            if _SEPARATOR.fullmatch(line):
                cuts.append(m.start())  # "\n" + text: the match starts one before the line, at its index in text
                kinds.append(_Kind())
                continue
            if line[:3] not in ("---", "...") or line[3:4] in ("", " ", "\t", "\r"):
                return None
        kinds[-1].line(line)
    out = []
    starts, ends = [0] + cuts, cuts + [len(text)]
    first_line = 0
    for i, (a, b) in enumerate(zip(starts, ends)):
        piece = text[a:b]
        if i or _CONTENT.search(piece):
            out.append((first_line, piece, kinds[i].result(piece)))
        first_line += text.count("\n", a, b)
    return out


CLEAN = 1  # nothing of interest: no Flux object, no marker, no Secret; not read again while unchanged
MARKER = 2  # holds the marker token: the update.path walk reads it


class ScreenCache:
    """abspath -> [size, mtime_ns, flags] of the files read, valid while their size and mtime hold.

    Kept in .git/ between runs of the pre-commit hook (--repo-context re-reads only what changed) when
    given a file, in memory otherwise; the update.path walk asks it which files hold no marker."""

    VERSION = 3  # 3: one cache for both screens (flags: clean, marker)

    def __init__(self, path: Optional[str] = None) -> None:
        self.path = path
        self.entries: dict[str, list] = {}
        self.seen: set[str] = set()  # the files this run met: saving drops the others (deleted, moved)
        self.dirty = False
        if path:
            import json  # only the hook keeps a cache file

            try:
                with open(path) as f:
                    data = json.load(f)
                if isinstance(data, dict) and data.get("version") == self.VERSION:
                    entries = data.get("entries")
                    self.entries = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError):
                self.entries = {}

    def _flags(self, path: str, st: Optional[os.stat_result] = None) -> Optional[int]:
        e = self.entries.get(path)
        if not isinstance(e, list) or len(e) != 3:
            return None
        if st is None:
            try:
                st = os.stat(path)
            except OSError:
                return None
        return e[2] if e[0] == st.st_size and e[1] == st.st_mtime_ns and isinstance(e[2], int) else None

    def clean(self, path: str) -> bool:
        """This exact content was read before and holds nothing of interest (path: absolute)."""
        flags = self._flags(path)
        if flags is not None and flags & CLEAN:
            self.seen.add(path)
            return True
        return False

    def lacks_marker(self, path: str) -> bool:
        """This exact content was read before and holds no marker token (path: absolute)."""
        flags = self._flags(path)
        return flags is not None and not flags & MARKER

    def record(self, path: str, st: os.stat_result, clean: bool, marker: bool) -> None:
        """What reading the file (absolute path, stat taken before reading) found."""
        new = [st.st_size, st.st_mtime_ns, (CLEAN if clean else 0) | (MARKER if marker else 0)]
        self.seen.add(path)
        if self.entries.get(path) != new:
            self.entries[path] = new
            self.dirty = True

    def save(self) -> None:
        """Write the cache file atomically when there is one and something changed, keeping only the
        files this run met (it walks the whole repository); never fails."""
        if not self.path:
            return
        if len(self.seen) != len(self.entries):
            self.entries = {k: v for k, v in self.entries.items() if k in self.seen}
            self.dirty = True
        if not self.dirty:
            return
        import json

        tmp = f"{self.path}.{os.getpid()}.tmp"  # two hooks at once each write their own
        try:
            with open(tmp, "w") as f:
                json.dump({"version": self.VERSION, "entries": self.entries}, f)
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            try:
                os.remove(tmp)
            except OSError:
                pass
