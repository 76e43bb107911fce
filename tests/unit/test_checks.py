"""Every check id has a failing case (bad.yaml yields it) and a passing one (good.yaml does not)."""
from __future__ import annotations

import pytest

from kubectl_imagewatch import api
from kubectl_imagewatch.checks import CHECKS
from tests.conftest import CASES

CASE_IDS = sorted(p.name for p in (CASES / "checks").iterdir() if p.is_dir())


def ids_found(path: str, root: str) -> set[str]:
    rep = api.validate([path], api.ValidateOptions(repo_root=root))
    return {f.check for f in rep.findings}


@pytest.mark.parametrize("check_id", CASE_IDS)
def test_bad_case_triggers(check_id: str) -> None:
    d = CASES / "checks" / check_id
    assert check_id in ids_found(str(d / "bad.yaml"), str(d))


@pytest.mark.parametrize("check_id", CASE_IDS)
def test_good_case_is_clean(check_id: str) -> None:
    d = CASES / "checks" / check_id
    rep = api.validate([str(d / "good.yaml")], api.ValidateOptions(repo_root=str(d)))
    assert check_id not in {f.check for f in rep.findings}
    assert rep.exit_code(strict=check_id != "IW208") == 0, [f.message for f in rep.findings]


def test_every_check_has_cases() -> None:
    missing = sorted(set(CHECKS) - set(CASE_IDS) - {"IW004"})  # IW004 is covered by test_bad_input
    assert missing == []


def test_docs_list_every_check() -> None:
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "checks.md").read_text()
    for cid in CHECKS:
        assert f"## {cid}" in text
