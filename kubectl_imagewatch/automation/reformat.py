"""What image-automation-controller's kyaml writer would change besides the marked values.

Flux re-serialises every document of a file it updates (go-yaml v3 encoder through kyaml); this tool
changes only the marked scalars. Users who diff Flux's commits against ours should know where Flux's
commit will be bigger. A heuristic from the catalogued behaviour (docs/update.md), not an emulator.
"""
from __future__ import annotations

import re

_CHECKS: list[tuple[str, re.Pattern]] = [
    ("blank lines are dropped", re.compile(r"\n[ \t]*\n(?=[ \t]*\S)")),
    ("a comment above the first '---' and comments on '---' lines are lost", re.compile(r"(\A|\n)[ \t]*#.*\n---|\n---[ \t]*#")),
    ("the leading '---' and '...' document ends are dropped", re.compile(r"\A---|\n\.\.\.[ \t]*(\n|\Z)")),
    ("extra spaces before '#' comments are collapsed to one", re.compile(r"\S[ \t]{2,}#")),
    ("folded block scalars (>) are re-folded onto one line", re.compile(r":[ \t]*>[-+]?[ \t]*(#.*)?\n")),
    ("'<<' merge keys are printed as '!!merge <<'", re.compile(r"(^|\n)[ \t]*<<[ \t]*:")),
    ("Helm-style {{ }} values are rewritten as nested flow maps", re.compile(r":[ \t]+\{\{")),
    ("empty 'metadata: {}' / 'annotations: {}' maps are removed", re.compile(r"\n[ \t]*(metadata|annotations):[ \t]*\{\}")),
    ("'? key : value' complex keys become 'key: value'", re.compile(r"(^|\n)[ \t]*\?[ \t]")),
]


def _mapping_indent(text: str) -> int:
    """The indentation step between a `key:` line and a nested `key:` line, when it is not 2."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for a, b in zip(lines, lines[1:]):
        if re.fullmatch(r" *[^ \-][^:]*:[ \t]*", a) and re.match(r" *[^ \-#][^:]*:", b):
            step = (len(b) - len(b.lstrip(" "))) - (len(a) - len(a.lstrip(" ")))
            if step > 2:
                return step
    return 0


def flux_rewrites(raw: bytes, text: str) -> list[str]:
    """Reasons Flux's writer would change more than the marked values of this file."""
    out = []
    if raw.startswith(b"\xef\xbb\xbf"):
        out.append("the UTF-8 BOM is dropped")
    if b"\r\n" in raw:
        out.append("CRLF line endings become LF")
    for reason, rx in _CHECKS:
        if rx.search(text):
            out.append(reason)
    odd = _mapping_indent(text)
    if odd:
        out.append(f"{odd}-space indentation is re-indented to 2")
    for doc in re.split(r"\n---[^\n]*\n", text):
        styles = {m.group(2) == m.group(1) for m in re.finditer(r"(?m)^( *)[^ \n#-][^\n]*:[ \t]*\n( *)- ", doc)}
        if len(styles) > 1:
            out.append("sequences are re-indented in the style of the document's first sequence")
            break
    if re.search(r"\[[^\]\n]*\n", text) or re.search(r"\{[^}\n]*\n", text.replace("{{", "")):
        out.append("multi-line flow collections are re-flowed")
    for m in re.finditer(r":[ \t]*\|[-+]?[ \t]*\n((?:[ \t]+.*\n)+)", text):
        if re.search(r"[ \t]\n", m.group(1)):
            out.append("a literal block with trailing whitespace becomes one double-quoted string")
            break
    return out
