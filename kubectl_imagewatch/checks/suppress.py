"""Inline suppression comments, as yamllint's `# yamllint disable-line`:

    image: ghcr.io/acme/app:1.0.0  # imagewatch: disable=IW408 the tag is pinned on purpose
    # imagewatch: disable=IW404,IW409        (alone on its line: for the next line that is not a comment)
    # imagewatch: disable-file                (anywhere: every check in this file)
    # imagewatch: disable-file=IW011

`disable` without ids covers every check of its line. Ids or check names; anything after the
directive is a free-form reason. A `$imagepolicy` marker must stay alone in its comment (Flux reads
the whole comment as JSON), so a marker's line is suppressed from the line above. A comment that
tries to be a directive but is not one (a misspelt keyword, an unknown id) is IW006: a typo never
silently suppresses nothing.
"""
from __future__ import annotations

import dataclasses
import difflib
import re
from typing import Iterable, Iterator, Optional

from kubectl_imagewatch.checks.base import Context
from kubectl_imagewatch.findings import Finding

DIRECTIVE = re.compile(r"(?:^|[ \t])#[ \t]*imagewatch:[ \t]*(\S*)")
KEYWORDS = ("disable", "disable-file")
MAX_NAMES = 64  # ids in one directive; more is not a suppression anyone wrote


@dataclasses.dataclass
class Directives:
    file: set[str] = dataclasses.field(default_factory=set)
    file_all: bool = False
    lines: dict[int, Optional[set[str]]] = dataclasses.field(default_factory=dict)  # None: every check
    problems: list[tuple[int, int, str]] = dataclasses.field(default_factory=list)  # line, col, message

    def covers(self, f: Finding) -> bool:
        if self.file_all or f.check in self.file:
            return True
        if f.line not in self.lines:
            return False
        ids = self.lines[f.line]
        return ids is None or f.check in ids


def _ids(spec: str, line: int, col: int, d: Directives) -> set[str]:
    from kubectl_imagewatch.checks import check_id, unknown_id

    out = set()
    for name in list(filter(None, (n.strip() for n in spec.split(","))))[:MAX_NAMES]:
        cid = check_id(name)
        if cid is None:
            d.problems.append((line, col, f"suppression comment: {unknown_id(name)}"))
        else:
            out.add(cid)
    return out


def parse(text: str) -> Directives:
    """Every directive of a file's text (bounded: one pass over the lines that hold one)."""
    d = Directives()
    if "imagewatch:" not in text:
        return d
    pending: list[Optional[set[str]]] = []  # own-line `disable` waiting for the line it covers
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        m = DIRECTIVE.search(line) if "imagewatch:" in line else None
        alone = stripped.startswith("#")
        if pending and stripped and not alone:
            for ids in pending:
                _cover(d, n, ids)
            pending = []
        if m is None:
            continue
        col = line.index("#", m.start()) + 1
        keyword, eq, spec = m.group(1).partition("=")
        if keyword in KEYWORDS and eq and not spec.strip(","):
            d.problems.append((n, col, f"suppression comment: {keyword}= names no check "
                               f"(write {keyword}=IW404, or {keyword} alone for every check)"))
        elif keyword == "disable-file":
            if spec:
                d.file |= _ids(spec, n, col, d)
            else:
                d.file_all = True
        elif keyword == "disable":
            ids = _ids(spec, n, col, d) if spec else None
            if spec and not ids:
                continue  # only unknown ids: reported, covers nothing
            if alone:
                pending.append(ids)
            else:
                _cover(d, n, ids)
        elif len(keyword) <= 32 and ("=" in m.group(1) or difflib.get_close_matches(keyword, KEYWORDS, n=1, cutoff=0.7)):
            close = difflib.get_close_matches(keyword, KEYWORDS, n=1, cutoff=0.5)
            d.problems.append((n, col, f"unknown suppression directive {keyword!r}" +
                               (f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(KEYWORDS)})")))
        # anything else is prose that happens to say "imagewatch:"
    return d


def _cover(d: Directives, line: int, ids: Optional[set[str]]) -> None:
    if ids is None or d.lines.get(line, set()) is None:
        d.lines[line] = None
    else:
        d.lines.setdefault(line, set()).update(ids)  # type: ignore[union-attr]


def check_set(ctx: Context) -> Iterator[Finding]:
    for path, text in ctx.inventory.directive_texts.items():
        for line, col, message in parse(text).problems:
            yield ctx.file(path, line, col, "IW006", message,
                           "write '# imagewatch: disable=IW404' (ids or names from validate --list-checks)")


def apply(findings: Iterable[Finding], texts: dict[str, str]) -> list[Finding]:
    """The findings no suppression comment of their file covers."""
    return [f for f in findings if f.path not in texts or not parse(texts[f.path]).covers(f)]
