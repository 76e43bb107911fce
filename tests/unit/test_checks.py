"""Every check id has a failing case and a passing one: tests/cases/checks/<ID>/{bad,good}.yaml.

bad.yaml states every finding it yields in comments, one per finding: `# expect: IW204 12:7`
(line:column; `0:0` for a finding about the whole file). The test asserts that exact list, so a
check that moves, disappears or appears elsewhere fails. good.yaml yields nothing at all.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from kubectl_imagewatch import api
from kubectl_imagewatch.checks import CHECKS
from tests.conftest import CASES

CASE_IDS = sorted(p.name for p in (CASES / "checks").iterdir() if p.is_dir())
EXPECT = re.compile(rb"^# expect: (IW\d{3}) (\d+):(\d+)[ \t]*$", re.M)
# not YAML cases: IW004/IW005 (file system states) and IW108 (needs cel-python missing) are tested below
NO_CASE = {"IW004", "IW005", "IW108"}


def found(path: Path) -> list[tuple[str, int, int]]:
    rep = api.validate([str(path)], api.ValidateOptions(repo_root=str(path.parent)))
    return sorted((f.check, f.line, f.column) for f in rep.findings)


def expected(path: Path) -> list[tuple[str, int, int]]:
    return sorted((m[1].decode(), int(m[2]), int(m[3])) for m in EXPECT.finditer(path.read_bytes()))


@pytest.mark.parametrize("check_id", CASE_IDS)
def test_bad_case_yields_what_it_states(check_id: str) -> None:
    bad = CASES / "checks" / check_id / "bad.yaml"
    want = expected(bad)
    assert check_id in {w[0] for w in want}, f"{bad} states no '# expect: {check_id} LINE:COL'"
    assert found(bad) == want


@pytest.mark.parametrize("check_id", CASE_IDS)
def test_good_case_is_clean(check_id: str) -> None:
    assert found(CASES / "checks" / check_id / "good.yaml") == []


def test_every_check_has_cases() -> None:
    assert sorted(set(CHECKS) - set(CASE_IDS) - NO_CASE) == []
    assert sorted(set(CASE_IDS) - set(CHECKS)) == []


def test_docs_list_every_check() -> None:
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "checks.md").read_text()
    for cid in CHECKS:
        assert f"## {cid}" in text


def test_cel_rule_not_evaluated_is_info(monkeypatch: pytest.MonkeyPatch) -> None:
    from kubectl_imagewatch.checks import cel

    monkeypatch.setattr(cel, "evaluate", lambda rule, value: None)
    bad = CASES / "checks" / "IW107" / "bad.yaml"
    rep = api.validate([str(bad)], api.ValidateOptions(repo_root=str(bad.parent)))
    got = {(f.check, f.severity.value) for f in rep.findings}
    assert ("IW108", "info") in got and not any(c == "IW107" for c, _ in got)


REPO = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: app
  namespace: flux-system
spec:
  image: ghcr.io/acme/app
  interval: {interval}
"""


def test_every_family_dispatches() -> None:
    import importlib

    from kubectl_imagewatch import checks

    for fam in checks.families():
        if fam != "loader":
            mod = importlib.import_module(f"kubectl_imagewatch.checks.{fam}")
            assert hasattr(mod, "check") != hasattr(mod, "check_set"), fam
    for c in CHECKS.values():
        assert all(s in CHECKS for s in c.superseded_by), c.id


@pytest.mark.parametrize("disable, want", [
    ((), [("IW105", 8, 13)]),                  # the schema's pattern supersedes IW208 at the same place
    (("IW105",), [("IW208", 8, 13)]),          # ... unless IW105 is disabled
    (("pattern-mismatch", "IW208"), []),       # slugs work too
    ((" iw105 ", "invalid-duration"), []),
])
def test_disable_and_supersede(tmp_path: Path, disable: tuple, want: list) -> None:
    f = tmp_path / "repo.yaml"
    f.write_text(REPO.format(interval="5 minutes"))
    rep = api.validate([str(f)], api.ValidateOptions(repo_root=str(tmp_path), disabled=frozenset(disable)))
    assert sorted((x.check, x.line, x.column) for x in rep.findings) == want


@pytest.mark.parametrize("name, message", [
    ("IW999", "unknown check id 'IW999'"),
    ("IW2O4", "did you mean IW204"),
    ("marker-not-selectd", "did you mean marker-not-selected"),
])
def test_unknown_disabled_id_is_a_usage_error(tmp_path: Path, name: str, message: str) -> None:
    from kubectl_imagewatch.errors import UsageError

    with pytest.raises(UsageError, match=message):
        api.validate([str(tmp_path)], api.ValidateOptions(disabled=frozenset([name])))


def test_repo_context_reports_only_the_paths(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.yaml").write_text(REPO.format(interval="5 minutes"))
    (tmp_path / "b.yaml").write_text(REPO.format(interval="1x").replace("name: app", "name: b"))
    rep = api.validate([str(tmp_path / "b.yaml")], api.ValidateOptions(repo_context=True))
    assert [(Path(f.path).name, f.check) for f in rep.findings] == [("b.yaml", "IW105")]
    assert rep.files_checked == 2 and rep.objects_checked == 2


def test_create_checks_one_object_without_neighbours() -> None:
    from kubectl_imagewatch.create import objects

    pol = {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy",
           "metadata": {"name": "app", "namespace": "flux-system"},
           "spec": {"imageRepositoryRef": {"name": "not-in-this-set"}, "policy": {"semver": {"range": ">=1.0.0 <"}}}}
    assert [f.check for f in objects.check(pol)] == ["IW204"]  # no IW301: the repository lives in the cluster


@pytest.mark.parametrize("make, want", [
    (lambda p: p.symlink_to(p.parent / "gone.yaml"), ("IW004", "warning")),
    (lambda p: os.mkfifo(p), ("IW004", "warning")),
    (lambda p: p.write_bytes(b"apiVersion: image.toolkit.fluxcd.io/v1\0"), ("IW004", "warning")),
    (lambda p: None, ("IW005", "error")),  # named on the command line, missing
])
def test_loader_findings_carry_the_table_severity(tmp_path: Path, make: Any, want: tuple) -> None:
    p = tmp_path / "f.yaml"
    make(p)
    rep = api.validate([str(p)], api.ValidateOptions(repo_root=str(tmp_path)))
    assert [(f.check, f.severity.value) for f in rep.findings] == [want]
