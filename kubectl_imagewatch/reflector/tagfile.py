"""Offline tag lists for simulate/update: `--tags-file FILE` (JSON or YAML, `-` for stdin).

A mapping from an ImageRepository (`namespace/name`) or an image name to either a list of tags
or a mapping tag -> digest (null when unknown). A plain list of tags — or Flux's own storage format,
one tag per line (`tags.txt`) — applies to every repository.
"""
from __future__ import annotations

import io
import json
import sys
from typing import Any, Optional

from kubectl_imagewatch.errors import InputError


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
    data: Any
    try:
        data = json.loads(text)
    except ValueError:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            data = YAML(typ="safe", pure=True).load(io.StringIO(text))
        except YAMLError as e:
            raise InputError(f"tags file {path} is neither JSON nor YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict):  # a bare list, or tags.txt: one tag per line
        lines = data if isinstance(data, list) else [t.strip() for t in text.splitlines()]
        return TagSource({"*": {str(t): None for t in lines if t is not None and str(t) != ""}})
    entries: dict[str, dict[str, Optional[str]]] = {}
    for key, val in data.items():
        if isinstance(val, list):
            entries[str(key)] = {str(t): None for t in val if t is not None}
        elif isinstance(val, dict):
            entries[str(key)] = {str(t): (str(d) if d else None) for t, d in val.items()}
        elif val is None:
            entries[str(key)] = {}
        else:
            raise InputError(f"tags file {path}: {key}: expected a list of tags or a mapping tag -> digest")
    return TagSource(entries)
