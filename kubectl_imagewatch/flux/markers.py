"""`$imagepolicy` comment markers: where Flux sees them, and where it silently does not.

Flux (kyaml fieldmeta via image-automation-controller's setters) looks at scalar values only —
mapping values, sequence items, flow items, never keys or aliases — and examines the scalar's line
comment, else its head comment (go-yaml v3 gives a comment line directly above `- item` to the
item, but a comment line above `key: value` to the key). The comment, with every leading `#`
removed, must be a JSON object of strings whose `$imagepolicy` value names a setter exactly:
`<ns>:<name>`, `<ns>:<name>:tag`, `:name` or `:digest`. Everything else is ignored by Flux without a
word; `scan()` returns those too, as `Mention`s with the reason, so `validate` can say so.
"""
from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Iterator, Optional

TOKEN = '"$imagepolicy"'
SUFFIXES = ("", ":tag", ":name", ":digest")
_SETTER_REF = "#/definitions/io.k8s.cli.setters."
_LINE_COMMENT = re.compile(r"[ \t]*,?[ \t]*(#.*?)[ \t\r]*$")
_MENTION = re.compile(r"\$imagepolicy", re.IGNORECASE)
# a comment that tries to be a marker: a JSON-ish key `$imagepolicy` (any case, any quotes) before a colon
_ATTEMPT = re.compile(r"""[{,]\s*\\?["'`]?\$image_?policy\\?["'`]?\s*:""", re.IGNORECASE)


@dataclasses.dataclass
class Scalar:
    """A scalar value node with the byte-exact span of its value token in the text."""
    start: int  # char index of the value token (after anchor/tag)
    end: int
    line: int  # 1-based
    col: int
    value: str
    style: Optional[str]  # None plain, "'" or '"', "|" or ">"
    tag: str  # resolved tag (ruamel)
    flow: bool  # inside a flow collection
    path: tuple  # JSON path inside the document


@dataclasses.dataclass
class Marker:
    setter: str  # e.g. flux-system:podinfo:tag
    scalar: Scalar
    comment_line: int
    doc_index: int
    object_id: dict  # apiVersion, kind, name, namespace (strings, "" when absent)
    comment_col: int = 1  # 1-based column of the comment's `#` (where editors should point)

    @property
    def policy(self) -> str:
        """`<ns>:<name>` part of the setter."""
        parts = self.setter.split(":")
        return ":".join(parts[:2])

    @property
    def suffix(self) -> str:
        parts = self.setter.split(":")
        return ":" + parts[2] if len(parts) > 2 else ""


@dataclasses.dataclass
class Mention:
    """A comment mentioning $imagepolicy that Flux will not treat as a marker, with the reason."""
    line: int
    col: int
    text: str
    reason: str


def attempts_marker(comment: str) -> bool:
    """Whether a comment mentioning $imagepolicy tries to be a marker (prose that names it does not):
    it starts like a JSON object, or holds a `{"$imagepolicy":`-like key, near-misses included."""
    body = comment.lstrip("#").strip()
    return body.startswith("{") or bool(_ATTEMPT.search(body))


def parse_comment(comment: str) -> tuple[Optional[str], Optional[str]]:
    """(setter, None) for a marker comment, (None, reason) otherwise — Flux's decoding rules."""
    body = comment.lstrip("#")
    try:
        data = json.loads(body, parse_int=float)  # no big-integer conversion; values must be strings anyway
    except RecursionError:
        return None, "not a JSON object Flux can read (nests too deeply)"
    except ValueError:
        if "'" in body and '"' not in body.replace("\\\"", ""):
            return None, "not JSON: use double quotes, e.g. # {\"$imagepolicy\": \"ns:name\"}"
        return None, "not a JSON object Flux can read (trailing text, bad quoting or a second comment)"
    if not isinstance(data, dict):
        return None, "not a JSON object"
    if any(not isinstance(v, str) for v in data.values()):
        return None, "every value in the marker object must be a string"
    if "$imagepolicy" in data:
        return data["$imagepolicy"], None
    ref = data.get("$ref")
    if isinstance(ref, str) and ref.startswith(_SETTER_REF):
        return ref[len(_SETTER_REF):], None
    wrong = next((k for k in data if k.lower() == "$imagepolicy"), None)
    if wrong:
        return None, f"key {wrong!r} must be exactly \"$imagepolicy\" (case-sensitive)"
    return None, "no \"$imagepolicy\" key"


def setter_problem(setter: str) -> Optional[str]:
    """Why a marker value cannot name any setter (None when its shape is right)."""
    if "/" in setter and ":" not in setter:
        return f"'{setter}' uses '/'; markers name policies as <namespace>:<name>"
    if setter != setter.strip():
        return "surrounding whitespace: Flux compares the value exactly"
    parts = setter.split(":")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return f"'{setter}' is not <namespace>:<name>[:tag|:name|:digest]"
    if len(parts) > 3 or (len(parts) == 3 and ":" + parts[2] not in SUFFIXES):
        return f"unknown suffix ':{':'.join(parts[2:])}'; use :tag, :name, :digest or none"
    return None


def _value_start(text: str, start: int, end: int) -> int:
    """Skip an anchor and/or tag before the value token."""
    i = start
    while i < end and text[i] in "&!":
        while i < end and text[i] not in " \t\r\n":
            i += 1
        while i < end and text[i] in " \t\r\n":
            i += 1
    return i


def _line_starts(text: str) -> list[int]:
    """Line starts as the YAML parser counts lines (its marks index them): CR, LF, CRLF, NEL, LS, PS."""
    starts = [0]
    for i, ch in enumerate(text):
        if ch in "\n\x85\u2028\u2029" or (ch == "\r" and text[i + 1:i + 2] != "\n"):
            starts.append(i + 1)
    return starts


def _line_text(text: str, starts: list[int], line0: int) -> str:
    s = starts[line0]
    e = starts[line0 + 1] - 1 if line0 + 1 < len(starts) else len(text)
    return text[s:e].rstrip("\r")


def _object_id(root: Any) -> dict:
    out = {"apiVersion": "", "kind": "", "name": "", "namespace": ""}
    if root is None or root.id != "mapping":
        return out
    for k, v in root.value:
        if k.value in ("apiVersion", "kind") and v.id == "scalar":
            out[k.value] = v.value
        if k.value == "metadata" and v.id == "mapping":
            for mk, mv in v.value:
                if mk.value in ("name", "namespace") and mv.id == "scalar":
                    out[mk.value] = mv.value
    return out


def scan(text: str, nodes: list[Any]) -> tuple[list[Marker], list[Mention]]:
    """Markers Flux would apply, and mentions it would ignore, in one parsed file."""
    starts = _line_starts(text)
    markers: list[Marker] = []
    used_lines: set[int] = set()
    ignored: list[Mention] = []
    block_lines: set[int] = set()
    for di, root in enumerate(nodes):
        if root is None:
            continue
        oid = _object_id(root)
        for sc, in_seq in _scalars(text, root, block_lines):
            comment, cline = _comment_for(text, starts, sc, in_seq)
            if comment is None:
                continue
            setter, reason = parse_comment(comment)
            used_lines.add(cline)
            hash_at = _comment_start(_line_text(text, starts, cline - 1)) if 0 < cline <= len(starts) else None
            col = hash_at + 1 if hash_at is not None else 1
            if setter is None:
                if _MENTION.search(comment) and attempts_marker(comment):
                    ignored.append(Mention(cline, col, comment, reason or ""))
                continue
            markers.append(Marker(setter, sc, cline, di, oid, col))
    # mentions Flux never attaches to a value (comment above a key, on a mapping, after a flow seq)
    for i in range(len(starts)):
        line = _line_text(text, starts, i)
        if (i + 1) in used_lines or (i + 1) in block_lines or "$imagepolicy" not in line.lower():
            continue
        hash_at = _comment_start(line)
        if hash_at is None or "$imagepolicy" not in line[hash_at:].lower():
            continue
        comment = line[hash_at:].strip()
        setter, reason = parse_comment(comment)
        if setter is None and not attempts_marker(comment):
            continue  # prose that names $imagepolicy
        if setter is not None:
            reason = ("the comment is not on a scalar value: Flux attaches it to a key, a mapping or a "
                      "flow collection and ignores it; put it at the end of the value's line")
        ignored.append(Mention(i + 1, hash_at + 1, comment, reason or ""))
    return markers, ignored


def _comment_start(line: str) -> Optional[int]:
    """Index of a `#` that starts a comment (outside quotes), or None."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return None


def _scalars(text: str, root: Any, block_lines: set[int]) -> Iterator[tuple[Scalar, bool]]:
    seen: set[int] = set()

    def walk(node: Any, path: tuple, flow: bool, in_seq: bool) -> Iterator[tuple[Scalar, bool]]:
        if id(node) in seen:
            return  # an alias: Flux never visits alias nodes
        seen.add(id(node))
        if node.id == "scalar":
            if node.style in ("|", ">"):
                for ln in range(node.start_mark.line + 1, node.end_mark.line + 2):
                    block_lines.add(ln)
                return
            s = _value_start(text, node.start_mark.index, node.end_mark.index)
            yield Scalar(s, node.end_mark.index, node.start_mark.line + 1, node.start_mark.column + 1,
                         node.value, node.style, str(node.tag), flow, path), in_seq
        elif node.id == "sequence":
            f = flow or bool(getattr(node, "flow_style", False))
            for i, item in enumerate(node.value):
                yield from walk(item, path + (i,), f, not f)
        elif node.id == "mapping":
            f = flow or bool(getattr(node, "flow_style", False))
            for k, v in node.value:
                seen.add(id(k))
                yield from walk(v, path + (str(k.value),), f, False)

    yield from walk(root, (), False, False)


def _comment_for(text: str, starts: list[int], sc: Scalar, in_block_seq: bool) -> tuple[Optional[str], int]:
    """The scalar's line comment, else (sequence items only) its head comment."""
    import bisect

    end_line0 = bisect.bisect_right(starts, sc.end) - 1
    line = _line_text(text, starts, end_line0)
    rest = line[sc.end - starts[end_line0]:] if sc.end - starts[end_line0] <= len(line) else ""
    m = _LINE_COMMENT.match(rest)
    if sc.start == sc.end and not sc.style:
        m = None  # `key: # c` with no value: go-yaml gives the comment to the key
    if m and (sc.flow or "," not in rest[: m.start(1)]):
        return m.group(1), end_line0 + 1
    if not in_block_seq:
        return None, 0
    line0 = sc.line - 1
    item_line = _line_text(text, starts, line0)
    if not item_line[: sc.col - 1].rstrip().endswith("-"):
        return None, 0
    head: list[str] = []
    j = line0 - 1
    while j >= 0:
        prev = _line_text(text, starts, j)
        if prev.strip().startswith("#"):
            head.insert(0, prev.strip())
            j -= 1
            continue
        break
    if not head:
        return None, 0
    return "\n".join(head), j + 2
