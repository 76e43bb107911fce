"""The Setters edit of one file: its text and the setter values in, the new text and changes out.

Which markers count follows image-automation-controller (flux/markers.py, docs/update.md). Unlike
Flux's kyaml round-trip, nothing but the marked values changes: comments, order, indentation,
quoting and line endings stay; the new token is what Flux writes for that scalar (same quote style;
double quotes where a plain value would change type). Which files are edited is tree.py's business.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Optional

from kubectl_imagewatch.automation.result import Change, ObjectId
from kubectl_imagewatch.flux import markers
from kubectl_imagewatch.manifests.scalars import needs_quotes

_SEPARATOR = re.compile(r"^---(.*)$", re.M)


@dataclasses.dataclass
class Edit:
    """What the Setters update does to one file's text."""

    text: Optional[str] = None  # the new text; None when no marked value changes
    changes: list[Change] = dataclasses.field(default_factory=list)
    requoted: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # (line, value) Flux double-quotes
    unresolved: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # (line, setter) with no value
    problem: Optional[str] = None  # why Flux skips the whole file


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


def _problem(text: str, nodes: list) -> Optional[str]:
    """Why Flux's kio.ByteReader would refuse this file (it is then skipped whole), or None."""
    for n in nodes:
        if n is not None and n.id == "scalar" and n.value == "" and not getattr(n, "style", None):
            continue  # an empty document: dropped, as Flux's reader does
        if n is not None and n.id != "mapping":
            return "a document is not a mapping (Flux skips the whole file)"
    return None


def apply_markers(text: str, setters: dict[str, str], path: str) -> Edit:
    """The Setters edit of one file's text (`path` only names the file in parse messages)."""
    from kubectl_imagewatch.manifests import loader

    for m in _SEPARATOR.finditer(text):
        rest = m.group(1)
        if rest.strip() and not rest.strip().startswith("#"):
            return Edit(problem="invalid document separator (Flux's reader rejects text after ---)")
    docs, findings, nodes = loader.parse_documents(text, path)
    fatal = [f for f in findings if f.check != "IW003"]  # Flux accepts duplicate keys
    if fatal:
        return Edit(problem=fatal[0].message)
    problem = _problem(text, nodes)
    if problem:
        return Edit(problem=problem)
    found, _ = markers.scan(text, nodes)
    out = Edit()
    edits = []
    for mk in found:
        if mk.setter not in setters:
            out.unresolved.append((mk.comment_line, mk.setter))
            continue
        new = setters[mk.setter]
        was_null = bool(mk.scalar.tag.endswith(":null") and not mk.scalar.style)
        if new == mk.scalar.value and not was_null:
            if not mk.scalar.style and needs_quotes(new):
                out.requoted.append((mk.scalar.line, mk.scalar.value))
            continue
        edits.append((mk.scalar.start, mk.scalar.end, token(mk.scalar, new)))
        out.changes.append(Change(mk.setter, mk.scalar.value, new, mk.scalar.line, ObjectId.from_dict(mk.object_id),
                                  was_null=was_null))
    if edits:
        new_text = text
        for start, end, tok in sorted(set(edits), reverse=True):
            new_text = new_text[:start] + tok + new_text[end:]
        out.text = new_text
    return out
