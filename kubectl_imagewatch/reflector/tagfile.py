"""Offline tag lists for simulate/update: `--tags-file FILE` (JSON or YAML, `-` for stdin).

A mapping from an ImageRepository (`namespace/name`) or an image name to either a list of tags
or a mapping tag -> digest (null when unknown). A plain list of tags — or Flux's own storage format,
one tag per line (`tags.txt`) — applies to every repository.
"""
from __future__ import annotations

import json
import sys
from typing import Any, Optional

from kubectl_imagewatch.errors import InputError

MAX_ENTRIES = 5_000_000  # YAML nodes in a tags file (aliases counted each time they are used)


class TagSource:
    def __init__(self, entries: dict[str, dict[str, Optional[str]]]) -> None:
        self.entries = entries

    def lookup(self, namespace: str, name: str, image: str) -> Optional[dict[str, Optional[str]]]:
        for key in (f"{namespace}/{name}", image, name, "*"):
            if key in self.entries:
                return self.entries[key]
        return None


def load(path: str) -> TagSource:
    try:
        raw = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    except OSError as e:
        raise InputError(f"cannot read tags file {path}: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"tags file {path} is not UTF-8") from None
    return parse(text, path)


def parse(text: str, path: str) -> TagSource:
    """Tags as written: JSON numbers and plain YAML scalars keep their source text (`1.20`, `1e3`)."""
    data = _decode(text, path)
    if isinstance(data, str) or data is None:  # tags.txt: one tag per line (YAML reads it as one scalar)
        return TagSource({"*": {t.strip(): None for t in text.splitlines() if t.strip()}})
    if isinstance(data, list):
        return TagSource({"*": _tag_list(data, path, "the list")})
    if not isinstance(data, dict):
        raise InputError(f"tags file {path}: expected a mapping, a list of tags or one tag per line")
    entries: dict[str, dict[str, Optional[str]]] = {}
    for key, val in data.items():
        where = f"key {key!r}"
        if isinstance(val, list):
            entries[key] = _tag_list(val, path, where)
        elif isinstance(val, dict):
            entries[key] = {}
            for tag, digest in val.items():
                if digest is not None and not isinstance(digest, str):
                    raise InputError(f"tags file {path}: {where}: tag {tag!r} maps to {_kind(digest)}; "
                                     "expected a digest string or null")
                entries[key][tag] = digest or None
        elif val is None:
            entries[key] = {}
        else:
            raise InputError(f"tags file {path}: {where}: expected a list of tags or a mapping tag -> digest, "
                             f"found {_kind(val)}")
    return TagSource(entries)


def _decode(text: str, path: str) -> Any:
    try:
        return json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except RecursionError:
        raise InputError(f"tags file {path} nests too deeply") from None
    except ValueError:
        pass
    from ruamel.yaml.error import YAMLError

    from kubectl_imagewatch.manifests.loader import TooComplex, load_plain

    try:
        docs = load_plain(text, as_written=True, max_nodes=MAX_ENTRIES)
    except YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InputError(f"tags file {path} is neither JSON nor YAML: {problem}{where}") from None
    except TooComplex as e:
        raise InputError(f"tags file {path}: {e}") from None
    if len(docs) > 1:
        raise InputError(f"tags file {path} holds {len(docs)} YAML documents; expected one")
    return docs[0] if docs else None


def _tag_list(items: list, path: str, where: str) -> dict[str, Optional[str]]:
    out: dict[str, Optional[str]] = {}
    for i, t in enumerate(items):
        if not isinstance(t, str):  # null too: an empty `- ` item is a slip, not a tag
            raise InputError(f"tags file {path}: {where}: item {i + 1} is {_kind(t)}; expected a tag string "
                             "(or write a mapping tag -> digest)")
        out[t] = None
    return out


def _kind(v: Any) -> str:
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    if v is None:
        return "null"
    return f"{v!r}"
