"""How many nodes a composed YAML document becomes once its aliases are followed, counted without
following them.

An alias is the same node object as its anchor, so each node's expanded size and height are
computed once and reused: a "billion laughs" document of a few hundred bytes is judged too large
in O(its nodes) instead of after building 200,000 values. The count is the one the loader's
builders keep, so the verdict is theirs, reached sooner.
"""
from __future__ import annotations

from typing import Any, Optional


class _Over(Exception):
    pass


def expanded_size(root: Any, limit: int, max_depth: int, scalar_keys: bool) -> Optional[int]:
    """The number of nodes building `root` visits, or None when that is more than `limit` or it
    would visit a node deeper than `max_depth`.

    `scalar_keys`: whether the builder visits (counts) scalar mapping keys too. A node met again
    while it is being counted (a recursive anchor) would never finish building: too complex."""
    memo: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)
    busy: set[int] = set()

    def measure(node: Any, depth: int) -> tuple[int, int]:
        if depth > max_depth:
            raise _Over
        if node.id == "scalar":
            return 1, 0
        key = id(node)
        known = memo.get(key)
        if known is None:
            if key in busy:
                raise _Over
            busy.add(key)
            total, height = 1, 0
            if node.id == "sequence":
                children = node.value
            else:
                children = [c for k, v in node.value for c in ((k, v) if scalar_keys or k.id != "scalar" else (v,))]
            for child in children:
                s, h = measure(child, depth + 1)
                total, height = total + s, max(height, h + 1)
                if total > limit:
                    raise _Over
            busy.discard(key)
            known = memo[key] = (total, height)
        if depth + known[1] > max_depth:
            raise _Over
        return known

    try:
        size = measure(root, 0)[0]
    except _Over:
        return None
    return size if size <= limit else None
