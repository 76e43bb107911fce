"""Differential tests against Go (regexp, strconv) and Masterminds/semver, built from Debian packages.

Skipped (not failed) only when `go` is absent; CI installs golang-go and
golang-github-masterminds-semver-dev. Documented exceptions, where Debian's Masterminds 3.2.0 differs
from the 3.5 Flux uses (pinned by the conformance tables instead):
- prerelease handling: 3.4 decides per `||` group whether prereleases are admitted (#267), 3.2 per term,
  so any case whose version carries a prerelease is compared only when the range has no prerelease
  either (both then reject it);
- hyphen-range rewriting (3.2.1 #199), so ranges with ` - ` are skipped;
- Go 1.19 rejects `(?<name>...)` (accepted from Go 1.22, which Flux builds with).
"""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from kubectl_imagewatch.golang import regexp as goregex
from kubectl_imagewatch.reflector.policy import constraints, numerical, versions

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.oracle


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):  # type: ignore[no-untyped-def]
    from tests.conftest import need

    go = shutil.which("go")
    need("go", go is not None, "apt-get install golang-go golang-github-masterminds-semver-dev")
    out = tmp_path_factory.mktemp("oracle") / "oracle"
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOCACHE=str(out.parent / "cache"),
               GOFLAGS="")
    p = subprocess.run([go, "build", "-o", str(out), str(HERE / "oracle.go")], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        pytest.fail(f"oracle build failed: {p.stderr}")
    proc = subprocess.Popen([str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(**q):  # type: ignore[no-untyped-def]
        assert proc.stdin and proc.stdout
        proc.stdin.write(json.dumps(q) + "\n")
        proc.stdin.flush()
        return json.loads(proc.stdout.readline())

    yield ask
    proc.kill()


PARTS = st.sampled_from(["0", "1", "2", "3", "10", "01", "x", "*", "X"])
OPS = st.sampled_from(["", "=", "!=", ">", "<", ">=", "<=", "~", "~>", "^", "=>", "=<"])
PRE = st.sampled_from(["", "", "", "-0", "-alpha", "-rc.1", "-beta.2"])


@st.composite
def term(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(1, 3))
    return draw(OPS) + draw(st.sampled_from(["", "v"])) + ".".join(draw(PARTS) for _ in range(n)) + draw(PRE)


@st.composite
def range_(draw):  # type: ignore[no-untyped-def]
    groups = []
    for _ in range(draw(st.integers(1, 3))):
        terms = [draw(term()) for _ in range(draw(st.integers(1, 3)))]
        groups.append(draw(st.sampled_from([" ", ", ", ","])).join(terms))
    return " || ".join(groups)


VERSION = st.builds(lambda v, a, b, c, pre: f"{v}{a}.{b}.{c}{pre}", st.sampled_from(["", "v"]),
                    st.integers(0, 12), st.integers(0, 12), st.integers(0, 12),
                    st.sampled_from(["", "", "-0", "-alpha", "-rc.1", "-beta.2", "+build.1"]))


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(range_(), VERSION)
def test_ranges_match_masterminds(oracle, rng: str, ver: str) -> None:  # type: ignore[no-untyped-def]
    want = oracle(op="range", range=rng, version=ver)
    try:
        c = constraints.parse(rng)
    except constraints.ConstraintError:
        assert not want["ok"], (rng, want)
        return
    assert want["ok"], (rng, want)
    v = versions.parse_tag(ver)
    if "-" in ver.split("+")[0] or "-" in rng:
        return  # prerelease semantics: 3.2 vs 3.5 (documented exception)
    assert c.check(v) == want["match"], (rng, ver)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet="0123456789.v-+abxX_", min_size=1, max_size=14))
def test_version_parsing_matches(oracle, tag: str) -> None:  # type: ignore[no-untyped-def]
    want = oracle(op="version", version=tag)
    assert (versions.parse_tag(tag) is not None) == want["ok"], tag


REGEX_ATOMS = st.sampled_from(["a", "b", ".", r"\d", r"\w", "[a-c]", "(", ")", "|", "*", "+", "?", "{2}", "{1,3}",
                               "^", "$", "(?P<n>", "(?:", r"\1", "(?=", "(?i)", "[[:alpha:]]", r"\pL", "**", "+?",
                               "{,2}", r"\z", r"\Z", "[^0-9]", "-", "v", r"\."])


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(REGEX_ATOMS, min_size=1, max_size=8).map("".join),
       st.text(alphabet="abv0123456789.-x", max_size=10),
       st.sampled_from(["", "$n", "${n}x", "$1", "$1x", "$0", "$$", "${1}-$n"]))
def test_regexp_compile_match_expand(oracle, pattern: str, tag: str, tmpl: str) -> None:  # type: ignore[no-untyped-def]
    want = oracle(op="regexp", pattern=pattern, tag=tag, template=tmpl)
    err = goregex.check(pattern)
    assert (err is None) == want["ok"], (pattern, err, want)
    if err is None:
        rx = goregex.compile(pattern)
        m = rx.search(tag)
        assert (m is not None) == want["match"], (pattern, tag)
        if m is not None:
            assert rx.expand(tmpl, tag, m) == want.get("result", ""), (pattern, tag, tmpl)


FLOATS = st.one_of(st.from_regex(r"\A[+-]?[0-9_]{0,4}(\.[0-9_]{0,3})?([eEpP][+-]?[0-9]{0,3})?\Z"),
                   st.sampled_from(["NaN", "nan", "Inf", "-Infinity", "infin", "0x1p4", "0x10", "0x1.8p1", "1e309",
                                    "4e-400", " 1", "latest", "1_000", "_1", "1__0", "0x_1p4"]))


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(FLOATS)
def test_parse_float_matches(oracle, s: str) -> None:  # type: ignore[no-untyped-def]
    want = oracle(op="float", value=s)
    got = numerical.parse_float(s)
    assert (got is not None) == want["ok"], s
    if got is not None and not math.isnan(got) and not math.isinf(got):
        # Go encodes a float64 like 6.0001e20 as the integer literal 600010000000000000000
        assert got == float(want.get("float", 0.0)), s


FIND_ATOMS = st.sampled_from(["a", "b", "a*", "b?", "", "|", r"\b", "^", "$", "(a|)", "x*", ".", "é", "[ab]+", "(?m)^",
                              r"\B", "a*?", "(b)"])


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(FIND_ATOMS, min_size=1, max_size=4).map("".join), st.text(alphabet="abé \n", max_size=8),
       st.sampled_from([-1, 0, 1, 2, 5]), st.sampled_from(["<${0}>", "", "$1", "[$0]x"]))
def test_find_all_replace_split(oracle, pattern: str, s: str, n: int, repl: str) -> None:  # type: ignore[no-untyped-def]
    """ONE Go find-all (golang.regexp.finditer): FindAllString, ReplaceAllString and Split agree with Go."""
    want = oracle(op="findall", pattern=pattern, tag=s, n=n, template=repl)
    if not want["ok"]:
        return
    rx = goregex.compile(pattern)
    assert [m.text() for m in rx.finditer(s, n)] == (want["all"] or []), (pattern, s, n)
    assert rx.replace_all(s, repl) == want["replaced"], (pattern, s, repl)
    assert rx.split(s, n) == (want["split"] or []), (pattern, s, n)


NEST = st.sampled_from(["(", "(?:", "(?P<g>", "a(", "(?i)(", "x(?:"])
CLOSE = st.sampled_from([")", ")*", ")+", ")b", "){2}", ")?"])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(990, 1010), st.lists(NEST, min_size=1, max_size=4), st.lists(CLOSE, min_size=1, max_size=4),
       st.sampled_from(["", "x", "x*", "ab", "[a-z]+", "a|b", "ab|cd", "^v$"]))
def test_regexp_nesting_limit_matches_go(oracle, depth: int, opens: list, closes: list, core: str) -> None:  # type: ignore[no-untyped-def]
    """Go refuses a parse tree higher than 1000 (ErrNestingDepth); RE2 would accept it. (Alternations
    nested near the limit are left out: Go's prefix factoring may add a level there.)"""
    pattern = "".join(opens[i % len(opens)] for i in range(depth)) + core + \
        "".join(closes[i % len(closes)] for i in reversed(range(depth)))
    want = oracle(op="regexp", pattern=pattern, tag="x", template="")
    err = goregex.check(pattern)
    assert (err is None) == want["ok"], (depth, opens, closes, core, err and err[:60], want.get("err", "")[:60])
    if err is not None and "nests too deeply" in want.get("err", ""):
        assert err == want["err"]
