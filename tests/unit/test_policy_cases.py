"""Flux's selection on the conformance tables (computed with the real Masterminds/Go code)."""
from __future__ import annotations

import json

import pytest

from kubectl_imagewatch.reflector.policy import select
from tests.conftest import CASES

ERROR_CLASS = {"invalid-regex": "invalid-pattern", "no-tags": "no-match"}


def load() -> list[dict]:
    out = []
    for f in sorted((CASES / "policy").glob("*.json")):
        out += json.loads(f.read_text())
    return out


def spec_of(case: dict) -> dict:
    if "policy" in case:
        spec = dict(case["policy"])
        if "policy" not in spec:
            spec = {"policy": {k: v for k, v in spec.items() if k != "filterTags"},
                    **({"filterTags": spec["filterTags"]} if "filterTags" in spec else {})}
        return spec
    spec = {"policy": {"semver": {"range": case["range"]}}}
    if case.get("pattern"):
        spec["filterTags"] = {"pattern": case["pattern"], **({"extract": case["extract"]} if case.get("extract") else {})}
    return spec


CASES_ALL = load()


@pytest.mark.parametrize("case", CASES_ALL, ids=[c["id"] for c in CASES_ALL])
def test_case(case: dict) -> None:
    sel = select(spec_of(case), case["tags"])
    want = case["expect"]
    if "error" in want:
        assert sel.tag is None
        got = ERROR_CLASS.get(sel.error.reason, sel.error.reason)
        assert got == ERROR_CLASS.get(want["error"], want["error"])
    elif "anyOf" in want:
        assert sel.tag in want["anyOf"]
        assert set(sel.tied) <= set(want["anyOf"])
    else:
        assert sel.tag == want["latest"], sel.error


def test_at_least_1600_cases() -> None:
    assert len(CASES_ALL) >= 1600
