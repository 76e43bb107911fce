"""simulate's table reads top-down: the winner, the runner-up, the other losers in the policy's own
order, then the other verdicts newest first; a failed policy says why in plain words before Flux's
raw message."""
from __future__ import annotations

import re

import pytest

from tests.conftest import CASES, ROOT, invoke

SIM = CASES / "simulate"


def table(out: str, policy: str) -> list[tuple[str, str]]:
    """(tag, verdict) rows of one policy's table."""
    block = out.split(f"ImagePolicy {policy} ")[1].split("\n\n")[0]
    rows = block.splitlines()[3:] if "FAILED" in block else block.splitlines()[2:]
    return [(m[1], m[2]) for m in (re.match(r"  (\S+)\s+(?:\S+\s+)?(selected|lower|out-of-range|unparsable|filtered|"
                                            r"excluded|candidate)\b", r) for r in rows) if m]


def test_examples_winner_then_runner_up_then_the_rest() -> None:
    r = invoke("simulate", "examples/", "--tags-file", "examples/tags.yaml", cwd=str(ROOT))
    assert table(r.out, "flux-system/podinfo") == [
        ("6.10.1", "selected"), ("6.6.2", "lower"), ("6.5.4", "lower"), ("6.5.0", "lower"),
        ("7.0.0", "out-of-range"), ("v6.9.0", "filtered"), ("6.6.0-rc.1", "filtered"), ("latest", "filtered"),
        ("sha256-4be4d6e0.sig", "excluded")]
    assert "6.6.2                6.6.2      lower         lower than 6.10.1 (runner-up)" in r.out


@pytest.mark.parametrize("policy,want", [
    ("flux-system/num", [("main-aaa-1000", "selected"), ("main-bbb-999", "lower"), ("main-abc-100", "lower"),
                         ("main-def-90", "lower"), ("2.0.0", "filtered"), ("1.0.0", "filtered")]),
    ("flux-system/alpha", [("rel-a", "selected"), ("rel-b", "lower"), ("rel-c", "lower"), ("2.0.0", "filtered")]),
])
def test_policy_order_numerical_and_alphabetical(policy: str, want: list) -> None:
    r = invoke("simulate", str(SIM / "policies.yaml"), "--tags-file", str(SIM / "tags.yaml"), "--all")
    assert table(r.out, policy)[:len(want)] == want


def test_summary_of_a_long_list_keeps_the_runner_up(tmp_path: object) -> None:
    from pathlib import Path

    d = Path(str(tmp_path))
    tags = [f"2.9.{i}" for i in range(100)] + [f"1.9.{i}" for i in range(100)]
    (d / "tags.yaml").write_text("flux-system/app: [" + ", ".join(tags) + "]\n")
    (d / "p.yaml").write_text((SIM / "policies.yaml").read_text().replace("'>=9.0.0'", "'<2.0.0'"))
    r = invoke("simulate", str(d / "p.yaml"), "--tags-file", str(d / "tags.yaml"), "--policy", "flux-system/none")
    rows = table(r.out, "flux-system/none")
    assert rows[:3] == [("1.9.99", "selected"), ("1.9.98", "lower"), ("1.9.97", "lower")]
    assert "... 188 more (88 lower, 100 out-of-range); --all shows every tag" in r.out


@pytest.mark.parametrize("policy,plain,raw", [
    ("flux-system/empty", "FAILED: the range '>=7.0.0 <6.0.0' can match no version: the lower bound 7.0.0 is above "
                          "the upper bound 6.0.0", "Flux says (no-match): unable to determine latest version"),
    ("flux-system/none", "FAILED: none of the 2 version tags is inside the range '>=9.0.0' (8 other tags are not "
                         "versions)", "Flux says (no-match): unable to determine latest version"),
])
def test_a_failed_policy_says_why_before_flux(policy: str, plain: str, raw: str) -> None:
    r = invoke("simulate", str(SIM / "policies.yaml"), "--tags-file", str(SIM / "tags.yaml"))
    block = r.out.split(f"ImagePolicy {policy} ")[1]
    lines = block.splitlines()
    assert lines[1] == "  " + plain and lines[2].startswith("  " + raw), lines[:3]
    assert r.code == 1


@pytest.mark.parametrize("args,msg", [
    (["-A"], "-A/--all-namespaces is used only with --from-cluster"),
    (["--context", "kind"], "--context is used only with --from-cluster"),
    (["--from-cluster", "examples/"], "give PATHs or --from-cluster, not both"),
])
def test_cluster_flags_of_simulate(args: list, msg: str) -> None:
    r = invoke("simulate", *([] if "examples/" in args else ["examples/"]), *args, "--tags-file", "examples/tags.yaml",
               cwd=str(ROOT))
    assert r.code == 2 and msg in r.err, r.err


def test_policy_did_you_mean() -> None:
    r = invoke("simulate", "examples/", "--tags-file", "examples/tags.yaml", "--policy", "flux-system/podinfoo",
               cwd=str(ROOT))
    assert r.code == 2 and "no ImagePolicy flux-system/podinfoo in examples/; did you mean flux-system/podinfo?" in r.err
