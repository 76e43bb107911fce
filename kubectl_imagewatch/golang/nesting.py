"""Go regexp/syntax's nesting limit: a parse tree higher than 1000 is ErrNestingDepth
("expression nests too deeply"). RE2 accepts deeper patterns, and matching them costs ~0.1 s per
tag, so golang.regexp refuses what Go refuses, using the height computed here."""
from __future__ import annotations

import re

MAX_HEIGHT = 1000  # Go regexp/syntax maxHeight: a deeper parse tree is ErrNestingDepth
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")


def height(pattern: str) -> int:
    """The height of the parse tree Go's regexp/syntax builds for a pattern RE2 accepted.

    Mirrors the parser's shapes: a capture or repetition adds a level; a concatenation or
    alternation of several parts adds one, and one nested in another of its kind is flattened into
    it (Go's collapse); a non-capturing group adds nothing; consecutive literal characters are one
    node, and an alternation of single characters one class. Prefix factoring of alternations is not
    modelled. Nodes are (height, kind, height of the highest child, literal run length).
    """
    frames: list[list] = [[[], []]]  # per open group: [branch nodes, current concat items]
    captures: list[bool] = []

    def concat(items: list) -> tuple:
        if len(items) <= 1:
            return items[0] if items else (1, "op", 0, 0)  # () is an empty match
        inner = max(it[2] if it[1] == "concat" else it[0] for it in items)
        return (1 + inner, "concat", inner, 0)

    def alternate(nodes: list) -> tuple:
        if len(nodes) == 1:
            return nodes[0]
        if all(k == "char" or (k == "lit" and run == 1) for _, k, _, run in nodes):
            return (1, "char", 0, 0)  # a|b|[cd] is one class
        inner = max(it[2] if it[1] == "alt" else it[0] for it in nodes)
        return (1 + inner, "alt", inner, 0)

    def push(node: tuple) -> None:
        items = frames[-1][1]
        if node[1] == "lit" and items and items[-1][1] == "lit":
            items[-1] = (1, "lit", 0, items[-1][3] + node[3])  # literal runs join
        else:
            items.append(node)

    def repeat() -> None:
        items = frames[-1][1]
        if items:
            h, kind, _, run = items[-1]
            if kind == "lit" and run > 1:  # `ab*`: the run keeps `a`, the star takes `b`
                items[-1] = (1, "lit", 0, run - 1)
                items.append((2, "op", 0, 0))
            else:
                items[-1] = (h + 1, "op", 0, 0)

    lit, char = (1, "lit", 0, 1), (1, "char", 0, 0)
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            if pattern.startswith("\\Q", i):
                end = pattern.find("\\E", i + 2)
                i = n if end < 0 else end + 2
                push(lit)
                continue
            if i + 1 < n and pattern[i + 1] in "pP" and i + 2 < n and pattern[i + 2] == "{":
                end = pattern.find("}", i)
                i = n if end < 0 else end + 1
                push(char)
                continue
            i += 2
            e = pattern[i - 1:i]
            push((1, "op", 0, 0) if e in ("b", "B", "A", "z") else char if e in ("d", "D", "s", "S", "w", "W", "p", "P")
                 else lit)
        elif c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                if pattern[j] == "\\":
                    j += 1
                elif pattern.startswith("[:", j):
                    end = pattern.find(":]", j + 2)
                    j = end + 1 if end >= 0 else j
                j += 1
            i = j + 1
            push(char)
        elif c == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?P<", i) and not pattern.startswith("(?<", i):
                j = i + 2
                while j < n and pattern[j] not in ":)":
                    j += 1
                i = j + 1
                if j < n and pattern[j] == ":":
                    frames.append([[], []])
                    captures.append(False)
                continue
            i = (pattern.find(">", i) + 1 or n) if pattern.startswith("(?", i) else i + 1
            frames.append([[], []])
            captures.append(True)
        elif c == ")" and len(frames) > 1:
            branches, items = frames.pop()
            node = alternate(branches + [concat(items)])
            push((node[0] + 1, "op", 0, 0) if captures.pop() else node)
            i += 1
        elif c == "|":
            frames[-1][0].append(concat(frames[-1][1]))
            frames[-1][1] = []
            i += 1
        elif c in "*+?":
            repeat()
            i += 2 if pattern.startswith("?", i + 1) else 1
        elif c == "{" and _REPEAT.match(pattern, i):
            m = _REPEAT.match(pattern, i)
            assert m is not None
            repeat()
            i = m.end() + (1 if pattern.startswith("?", m.end()) else 0)
        else:
            push((1, "op", 0, 0) if c in "^$" else char if c == "." else lit)
            i += 1
    branches, items = frames[0]
    return int(alternate(branches + [concat(items)])[0])
