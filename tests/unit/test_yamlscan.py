"""The pure parser's linear scanner accepts, rejects and positions exactly like ruamel's own, and a
deeply nested text libyaml refuses is still stopped at the depth limit, at the right line."""
from __future__ import annotations

import io
import random
from typing import Any

import pytest

from kubectl_imagewatch.manifests import loader

DEPTH = loader.MAX_DEPTH + 5

TEXTS = [
    "[" * DEPTH + "]" * DEPTH,
    "kind: x\nspec: " + "[" * DEPTH + "]" * DEPTH + "\n",
    "a:\n  b:\n    - - c: " + "{x: " * DEPTH + "}" * DEPTH + "\n",
    "a: 1\n---\nb: [b:c]\n---\n" + "[\n" * DEPTH,
    "a: [b:c]\nspec: " + "[" * DEPTH + "'" + "]" * DEPTH + "\n",
    "{" + "a" * 1030 + ": b}", "{" + "a" * 1000 + ": b}", "[a\n: b]", "{a\n b: c}",
    "a\n" + "b" * 1100 + ": c", "x: 1\nab" + "c" * 1100 + ": 2\n", "[" + "a, " * 400 + "{b: [c, {d: e}]}]",
]


def _random_texts() -> list[str]:
    rnd = random.Random(7)
    pieces = ["[" * 30, "{a: ", "a" * 1020, ": ", ", ", "\n", "]", "}", "'x'", '"y"', "? ", "- ", "# c\n", "\n  ", "&a ", "*a"]
    return ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 10))) for _ in range(60)]


def _nodes(text: str, scanner: Any) -> Any:
    yaml = loader._pure_yaml()
    if scanner is not None:
        yaml.Scanner = scanner

    def dump(n: Any) -> Any:
        v = n.value
        if isinstance(v, list):
            v = [tuple(map(dump, x)) if isinstance(x, tuple) else dump(x) for x in v]
        return n.id, str(n.tag), v, n.start_mark.line, n.start_mark.column, n.end_mark.index

    try:
        return [None if n is None else dump(n) for n in yaml.compose_all(io.StringIO(text))]
    except Exception as e:  # noqa: BLE001 - the error itself is what must match
        return type(e).__name__, str(e)


def test_same_nodes_and_errors_as_ruamel() -> None:
    from ruamel.yaml.scanner import RoundTripScanner

    for text in TEXTS + _random_texts():
        assert _nodes(text, None) == _nodes(text, RoundTripScanner), text[:80]


@pytest.mark.parametrize("text,line", [("a: [b:c]\nspec: " + "[" * 2000 + "]" * 2000 + "\n", 2),
                                       ("a: [b:c]\nspec:\n  x: " + "{a: " * 2000 + "}" * 2000 + "\n", 3)],
                         ids=["brackets", "braces"])
def test_deep_text_libyaml_refuses(text: str, line: int) -> None:
    docs, findings, _ = loader.parse_documents(text, "deep.yaml")
    assert not docs and [(f.check, f.line, f.message) for f in findings] == [("IW001", line, "document nests too deeply")]
