"""Version parsing and precedence tables (Masterminds v3 semantics as Flux >= 2.7 uses them)."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from kubectl_imagewatch.reflector.policy import versions

PARSE = [("1.2.3", "1.2.3"), ("v1.2.3", "1.2.3"), ("01.1.1", "1.1.1"), ("v2025.07.03", "2025.7.3"),
         ("v1.2-beta.5", "1.2.0-beta.5"), ("1-rc.1.2", "1.0.0-rc.1.2"), ("1.2.3-0abc", "1.2.3-0abc"),
         ("1.2.3+test.01", "1.2.3+test.01"), ("1.2", None), ("v1", None), ("1.2-5", None), ("1.2.3.4", None),
         ("1.0.0p", None), ("V1.2.3", None), ("1.2.3 ", None), ("1.2.3-beta.01", None), ("9.8.7+meta+meta", None),
         ("1.1.2+.123", None), ("1.0.0-alpha_beta", None), ("1.0.0-alpha..1", None),
         ("18446744073709551616.0.0", None), ("１.２.３", None)]


@pytest.mark.parametrize("tag,want", PARSE)
def test_parse(tag: str, want: str | None) -> None:
    v = versions.parse_tag(tag)
    assert (str(v) if v else None) == want


ORDER = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
         "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"]


def test_precedence_order() -> None:
    vs = [versions.parse_tag(t) for t in ORDER]
    for a, b in zip(vs, vs[1:]):
        assert versions.compare(a, b) == -1 and versions.compare(b, a) == 1


def test_metadata_ignored_and_quirks() -> None:
    p = versions.parse_tag
    assert versions.compare(p("1.0.0+a"), p("1.0.0+b")) == 0
    assert versions.compare(p("v1.0.0"), p("1.0.0")) == 0
    assert versions.compare(p("1.0.0-RC"), p("1.0.0-rc")) == -1  # byte order
    assert versions.compare(p("1.0.0-beta10"), p("1.0.0-beta2")) == -1
    assert versions.compare(p("1.0.0-x.-2"), p("1.0.0-x.4")) == 1  # -2 is alphanumeric
    big = "1.0.0-" + "9" * 25  # beyond uint64: Masterminds compares it as a string
    assert versions.compare(p(big), p("1.0.0-a")) == -1


IDENT = st.one_of(st.integers(0, 30).map(str), st.sampled_from(["alpha", "beta", "rc", "RC", "x-1", "-2", "0a"]))
VER = st.builds(lambda a, b, c, pre: f"{a}.{b}.{c}" + ("-" + ".".join(pre) if pre else ""),
                st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.lists(IDENT, max_size=3))


@given(VER, VER)
def test_key_order_equals_masterminds_compare(a: str, b: str) -> None:
    va, vb = versions.parse_tag(a), versions.parse_tag(b)
    assert versions.compare(va, vb) == versions.compare_slow(va, vb)


@given(VER, VER)
def test_precedence_equals_semver_package(a: str, b: str) -> None:
    """For strict SemVer 2.0 strings, Masterminds' order is SemVer precedence: the `semver` package agrees."""
    import semver

    va, vb = versions.parse_tag(a), versions.parse_tag(b)
    if any(p.isdigit() and len(p) > 1 and p[0] == "0" for p in a.split("-", 1)[-1].split(".") + b.split("-", 1)[-1].split(".")):
        return  # leading-zero numeric identifiers are not SemVer 2.0
    assert versions.compare(va, vb) == semver.Version.parse(a).compare(b)
    assert va.semver() == semver.Version.parse(a)
