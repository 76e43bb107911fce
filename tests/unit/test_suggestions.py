"""Likely mistakes caught offline with a suggestion: empty semver ranges, did-you-mean for policy
names in markers, misspelt spec fields and tags-file keys, and hints that fit the error."""
from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_imagewatch import api
from kubectl_imagewatch.checks.repositories import regex_hint
from kubectl_imagewatch.golang import regexp as goregex
from kubectl_imagewatch.reflector.policy import constraints
from tests.conftest import CASES, ROOT, invoke


@pytest.mark.parametrize("rng,empty", [
    (">=7.0.0 <6.0.0", "the lower bound 7.0.0 is above the upper bound 6.0.0"),
    ("<6.0.0, >7.0.0", "the lower bound 7.0.0 is above the upper bound 6.0.0"),
    (">1.0.0 <=1.0.0", "the lower bound 1.0.0 is not below the upper bound 1.0.0"),
    ("1.0.0 - 0.5.0", "the lower bound 1.0.0 is above the upper bound 0.5.0"),
    ("^2 <1", "the lower bound 2.0.0 is above the upper bound 1.0.0"),
    ("<1.x >=2", "the lower bound 2.0.0 is above the upper bound 1.0.0"),
    (">=1.0.0 <2.0.0", None), (">=7 <6 || >=1", None), (">=1.0.0-0 <1.0.0", None), ("~1.2", None),
    ("*", None), ("!=1.0.0", None), ("1.0.0", None),
])
def test_empty_ranges(rng: str, empty: str | None) -> None:
    assert constraints.empty(constraints.parse(rng)) == empty


def test_empty_range_is_a_usage_error_in_create() -> None:
    r = invoke("create", "image", "policy", "p", "--image-ref", "podinfo", "--select-semver", ">=7 <6", "--export")
    assert r.code == 2 and "can match no version: the lower bound 7.0.0 is above the upper bound 6.0.0" in r.err


def test_did_you_mean() -> None:
    rep = api.validate([str(CASES / "simulate" / "typos.yaml")])
    got = {(f.check, f.line): f.hint for f in rep.findings}
    assert got[("IW101", 11)].startswith("did you mean filterTags? (field names are case-sensitive")
    assert got[("IW101", 12)].startswith("did you mean semver?")
    assert got[("IW403", 18)] == "did you mean flux-system:podinfo?"


@pytest.mark.parametrize("key,said", [
    ("flux-system/podnfo", "(the file's key 'flux-system/podnfo' looks like a typo for 'flux-system/podinfo')"),
    ("ghcr.io/stefanprodan/podinf", "(the file's key 'ghcr.io/stefanprodan/podinf' looks like a typo for "
                                    "'ghcr.io/stefanprodan/podinfo')"),
    ("a/b", "(the file's keys: 'a/b')"),
])
def test_tags_file_key_suggestion(tmp_path: Path, key: str, said: str) -> None:
    (tmp_path / "t.yaml").write_text(f"{key}: [6.5.0]\n")
    r = invoke("simulate", str(ROOT / "examples"), "--tags-file", str(tmp_path / "t.yaml"))
    assert r.code == 1 and said in r.out
    assert "  FAILED: the tags file has no entry for its ImageRepository\n  detail (no-tags): no tags for" in r.out


@pytest.mark.parametrize("pattern,hint", [
    ("^main-(?P<sha>[a-f0-9]+-(?P<ts>[0-9]+)", "a '(' has no matching ')'"),
    ("^(?!v)x", "no lookaheads or lookbehinds; FIX"),
    ("(?<=x)y", "no lookaheads or lookbehinds; FIX"),
    ("(a)\\1", "no backreferences"),
    ("a)", "a ')' has no matching '('"),
    ("[a", "a '[' has no matching ']'"),
    ("a*+", "no possessive"),
    ("\\Z", "\\Z is \\z in Go"),
    ("a{1001}", "at most {1000}"),
])
def test_regex_hints_fit_the_error(pattern: str, hint: str) -> None:
    err = goregex.check(pattern)
    assert err and hint in regex_hint(str(err), "FIX")


def test_an_unreachable_registry_fails_fast_and_says_why(tmp_path: Path) -> None:
    """Connection refused and unresolvable hosts are not retried: a clear answer in well under 2 s."""
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    (tmp_path / "f.yaml").write_text((CASES / "simulate" / "offline.yaml").read_text().replace("PORT", str(port)))
    t0 = time.monotonic()
    r = invoke("simulate", str(tmp_path / "f.yaml"))
    took = time.monotonic() - t0
    assert r.code == 1 and took < 5.0, (took, r.out)  # no retries: backing off would take 7.5 s
    assert f"cannot reach 127.0.0.1:{port}: connection refused; offline? simulate from a list of tags with " \
           "--tags-file FILE" in r.out
    assert "cannot reach no-such-host.invalid: the host name does not resolve" in r.out
    assert r.out.count("  FAILED: its registry could not be scanned\n") == 2


def test_extract_group_typo_suggests_the_group(tmp_path: Path) -> None:
    text = (CASES / "checks" / "IW204" / "good.yaml").read_text()
    text = text.replace("  policy:\n", "  filterTags:\n    pattern: '^(?P<version>[0-9.]+)$'\n    extract: '$verison'\n"
                                       "  policy:\n", 1)
    (tmp_path / "p.yaml").write_text(text)
    rep = api.validate([str(tmp_path / "p.yaml")])
    assert [(f.check, f.hint) for f in rep.findings] == [("IW202", "did you mean $version?")]
