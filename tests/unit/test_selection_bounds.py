"""Bounds in selection and its text output (fuzz-security review 2, defects 10, 28; memory linear in
the input is tests/slow/test_selection_memory.py): Go's regexp nesting limit, tags that cannot
break or drive the terminal."""
from __future__ import annotations

import pytest

from kubectl_imagewatch.golang import regexp as goregex
from kubectl_imagewatch.reflector.policy import select


NEST_MESSAGE = "error parsing regexp: expression nests too deeply: `{}`"


@pytest.mark.parametrize("pattern,ok", [
    ("(" * 999 + ")" * 999, True),  # height 1000: Go accepts (checked with Go 1.19.8)
    ("(" * 1000 + ")" * 1000, False),  # height 1001: ErrNestingDepth
    ("(" * 999 + "x" + ")" * 999, True),
    ("(" * 998 + "x*" + ")" * 998, True),
    ("(" * 999 + "x*" + ")" * 999, False),
    ("a*" + "(" * 999 + "x" + ")" * 999, False),  # the concatenation adds a level
    ("(?:" * 2000 + "a" + ")" * 2000, True),  # non-capturing groups build no node
    ("(" * 2000 + ")" * 2000, False),
], ids=["999 groups", "1000 groups", "999 around x", "998 around x*", "999 around x*", "a* then 999",
        "2000 non-capturing", "2000 groups"])
def test_nesting_limit_is_go_s(pattern: str, ok: bool) -> None:
    err = goregex.check(pattern)
    assert (err is None) == ok, err and err[:80]
    if not ok:
        assert err == NEST_MESSAGE.format(pattern)


def test_too_deep_filter_pattern_is_an_invalid_policy() -> None:
    pattern = "(" * 2000 + ")" * 2000
    sel = select({"policy": {"alphabetical": {}}, "filterTags": {"pattern": pattern}}, ["a", "b"])
    assert sel.error is not None and sel.error.reason == "invalid-pattern"
    assert "expression nests too deeply" in sel.error.message


def test_text_output_escapes_tags_that_are_not_printable() -> None:
    from kubectl_imagewatch.manifests.loader import Document
    from kubectl_imagewatch.manifests.model import FluxObject
    from kubectl_imagewatch.reflector.simulate import PolicyResult
    from kubectl_imagewatch.report.simulate import render_text

    evil = ["3.0.0\nImagePolicy flux-system/app\n  latest: evil/app:6.6.6", "2.0.0\x1b]0;owned\x07", "\ud800",
            "1.0.0\t\u200b", "z" * 10_000]
    pol = FluxObject(Document("x", 0, {"spec": {}}, {}, 1), (), "ImagePolicy", "image.toolkit.fluxcd.io/v1",
                     "app", "flux-system", True)
    sel = select({"policy": {"alphabetical": {"order": "desc"}}}, evil + ["0.1.0", "ünïcode"])
    out = render_text([PolicyResult(pol, None, "ghcr.io/acme/app", sel)], show_all=True)
    out.encode("utf-8")  # no lone surrogate left
    lines = out.splitlines()
    assert len(lines) == 3 + len(evil) + 2 + 2  # head, latest, columns, one line per tag, blank, summary
    assert [ln for ln in lines if ln.startswith("ImagePolicy")] == ["ImagePolicy flux-system/app"]
    assert "\x1b" not in out and "\x07" not in out and "\t" not in out
    assert "2.0.0\\x1b]0;owned\\x07" in out and "\\ud800" in out and "1.0.0\\t\\u200b" in out
    assert "ünïcode" in out  # printable non-ASCII stays as it is
    assert max(len(ln) for ln in lines if not ln.startswith("  zzz")) < 200  # no padding to the longest tag
