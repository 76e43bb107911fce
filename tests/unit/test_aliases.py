"""Alias expansion is judged without expanding: the count the builders would keep, or None past the
limit; a "billion laughs" document is an IW001 finding either way."""
from __future__ import annotations

from typing import Any

import pytest

from kubectl_imagewatch.manifests import loader
from kubectl_imagewatch.manifests.aliases import expanded_size

DOCS = [  # (document, nodes the manifest builder visits, nodes the plain builder visits)
    ("a: 1\nb: [1, 2]\n", 5, 7),
    ("a: &a [x, x, x]\nb: [*a, *a]\n", 14, 16),
    ("a: &a {<<: {x: 1}, y: [1]}\nb: {<<: *a, z: *a}\n", 17, 30),
    ("? [k]\n: v\n", 4, 4),
    ("[" * loader.MAX_DEPTH + "]" * loader.MAX_DEPTH, loader.MAX_DEPTH, loader.MAX_DEPTH),
    ("[" * (loader.MAX_DEPTH + 2) + "]" * (loader.MAX_DEPTH + 2), None, None),
]


def _node(text: str) -> Any:
    nodes = loader._fast_nodes(text)
    assert nodes
    return nodes[0]


@pytest.mark.parametrize("text,manifest,plain", DOCS, ids=[f"d{i}" for i in range(len(DOCS))])
def test_counts_match_the_builders(text: str, manifest: int | None, plain: int | None) -> None:
    node = _node(text)
    assert expanded_size(node, 10**6, loader.MAX_DEPTH, False) == manifest
    assert expanded_size(node, 10**6, loader.MAX_DEPTH, True) == plain
    if manifest is not None:
        assert expanded_size(node, manifest, loader.MAX_DEPTH, False) == manifest
        assert expanded_size(node, manifest - 1, loader.MAX_DEPTH, False) is None
        b = loader._Builder(text)
        b.build(node)
        assert b.count == manifest


def test_billion_laughs_is_a_finding() -> None:
    text = "kind: ImagePolicy\na: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 12):
        text += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 7) + "]\n"
    docs, findings, _ = loader.parse_documents(text, "bomb.yaml")
    assert not docs and [(f.check, f.line) for f in findings] == [("IW001", 1)]
    with pytest.raises(loader.TooComplex):
        loader.load_plain(text)
