"""Reproductions of false findings and misses seen on public Flux repositories (tests/cases/realworld).

Each case is a minimal tree; the table states every finding validate must give on it (id, file,
line, severity), so a false positive coming back fails as surely as a miss.
"""
from __future__ import annotations

import os

import pytest

from kubectl_imagewatch import api
from tests.conftest import CASES

REAL = CASES / "realworld"
E, W, I = "error", "warning", "info"

VALIDATE = {
    # FP1: versions some Flux release served are retired (IW011 warnings), never "not served by any release"
    "fp1-retired-versions": [("IW011", "sources.yaml", 1, W), ("IW011", "sources.yaml", 6, W),
                             ("IW011", "sources.yaml", 13, W), ("IW011", "sources.yaml", 18, W),
                             ("IW011", "sources.yaml", 23, W), ("IW010", "sources.yaml", 28, E)],
    # FP2: the policy's namespace comes from outside the repository: say so, suggest nothing
    "fp2-tenant-namespace": [("IW410", "components/podinfo.yaml", 7, I)],
    # FP2: a Flux Kustomization's targetNamespace puts the objects under its path into that namespace
    "fp2-target-namespace": [("IW403", "apps/deploy.yaml", 11, E)],
    # FP3: chart templates are skipped; a template elsewhere without markers is an info; markers in a
    # chart's values.yaml are still checked (Flux updates them)
    "fp3-helm-chart": [("IW403", "chart/values.yaml", 5, E), ("IW007", "testdata/policy.tmpl.yaml", 1, I)],
    # FP4: prose mentioning $imagepolicy is not a marker; attempts (quotes, case) are
    "fp4-prose-comments": [("IW401", "apps/deploy.yaml", 12, E), ("IW401", "apps/deploy.yaml", 14, E),
                           ("IW303", "automation.yaml", 8, I)],
    # FP6: .Updated on an alpha automation breaks on upgrade (IW312 warning), not today (IW306 error)
    "fp6-alpha-updated": [("IW011", "flux.yaml", 1, W), ("IW011", "flux.yaml", 6, W), ("IW011", "flux.yaml", 13, W),
                          ("IW303", "flux.yaml", 18, I), ("IW312", "flux.yaml", 22, W), ("IW011", "flux.yaml", 25, W),
                          ("IW303", "flux.yaml", 30, I), ("IW312", "flux.yaml", 34, W)],
    # M1: a file named Kustomization is read and its markers checked
    "m1-kustomization-file": [("IW403", "overlay/Kustomization", 9, E)],
    # M2: the marker's shape is judged without its policy
    "m2-shape-without-policy": [("IW403", "deploy.yaml", 9, E), ("IW408", "deploy.yaml", 9, W),
                                ("IW403", "deploy.yaml", 11, E), ("IW408", "deploy.yaml", 11, W)],
    # M3: the marked value names another registry than the policy's ImageRepository (docker.io/x == x)
    "m3-registry-switch": [("IW408", "apps/deploy.yaml", 9, W), ("IW303", "flux.yaml", 30, I)],
}


def findings(case: str) -> list[tuple]:
    d = REAL / case
    rep = api.validate([str(d)], api.ValidateOptions(repo_root=str(d)))
    return [(f.check, f.path[len(str(d)) + 1:], f.line, f.severity.value) for f in rep.sorted()]


@pytest.mark.parametrize("case", sorted(VALIDATE))
def test_validate_findings(case: str) -> None:
    assert findings(case) == sorted(VALIDATE[case], key=lambda t: (t[1], t[2], t[0]))


def messages(case: str) -> dict[tuple, tuple[str, str]]:
    d = REAL / case
    rep = api.validate([str(d)], api.ValidateOptions(repo_root=str(d)))
    return {(f.check, f.line): (f.message, f.hint) for f in rep.sorted()}


def test_retired_message_names_release_and_current_version() -> None:
    m = messages("fp1-retired-versions")
    assert m[("IW011", 13)][0] == ("source.toolkit.fluxcd.io/v1beta2 GitRepository: retired in Flux 2.8 "
                                    "(source-controller v1.7 was the last to serve it); "
                                    "migrate to source.toolkit.fluxcd.io/v1")
    assert "retired in Flux 0.37" in m[("IW011", 1)][0]
    assert m[("IW010", 28)][1] == "use image.toolkit.fluxcd.io/v1"
    for text in (t for pair in m.values() for t in pair):  # never recommend a retired version
        assert "migrate to image.toolkit.fluxcd.io/v1beta" not in text and "use image.toolkit.fluxcd.io/v1beta" not in text


def test_unknown_namespace_has_no_did_you_mean() -> None:
    msg, hint = messages("fp2-tenant-namespace")[("IW410", 7)]
    assert "unknown" in msg and "did you mean" not in hint and "--default-namespace apps" in hint


def test_chart_file_named_on_the_command_line_is_an_info() -> None:
    f = REAL / "fp3-helm-chart" / "chart" / "templates" / "image-policy.yaml"
    rep = api.validate([str(f)], api.ValidateOptions(repo_root=str(REAL / "fp3-helm-chart")))
    assert [(x.check, x.severity.value) for x in rep.sorted()] == [("IW007", I)]
    assert rep.exit_code(strict=True) == 0


def test_alpha_automation_with_updated_renders() -> None:
    d = REAL / "fp6-alpha-updated"
    res = api.update([str(d / "flux.yaml"), str(d / "apps")],
                     api.UpdateOptions(repo_root=str(d), tags_file=str(d / "tags.yaml"), dry_run=True))
    plans = {a.automation.name: a for a in res.plan.automations}
    assert plans["apps"].error is None
    assert plans["apps"].message == "[ci skip] ghcr.io/acme/app:1.0.1\n"


def test_update_warns_when_the_registry_switches() -> None:
    d = REAL / "m3-registry-switch"
    res = api.update([str(d / "flux.yaml")], api.UpdateOptions(repo_root=str(d), tags_file=str(d / "tags.yaml"),
                                                               dry_run=True))
    moved = [w for w in res.plan.warnings if "moves the image" in w]
    assert len(moved) == 1 and "drupalcsitestacr.azurecr.io/drupal to myacr.azurecr.io/drupal" in moved[0]
    assert {c["newValue"] for c in res.plan.changes_json()} == {"myacr.azurecr.io/drupal:v2.0.0",
                                                                "dnlloyd/basic-web:0.1.1"}


def test_target_namespace_applies_only_when_single(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two Flux Kustomizations applying one path into two namespaces: the policy's namespace is unknown."""
    import shutil

    d = tmp_path / "fleet"
    shutil.copytree(REAL / "fp2-target-namespace", d)
    second = (d / "tenants" / "apps" / "sync.yaml").read_text().replace("name: apps,", "name: staging,")
    (d / "tenants" / "staging.yaml").write_text(second.replace("targetNamespace: apps", "targetNamespace: staging"))
    rep = api.validate([str(d)], api.ValidateOptions(repo_root=str(d)))
    assert sorted((f.check, f.line) for f in rep.findings) == [("IW410", 11)]


def test_target_namespace_path_is_joined_as_securejoin_from_the_git_root(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """spec.path is relative to the repository holding the Kustomization (the one root rule), and
    kustomize-controller cuts a leading '..' (SecureJoin), as update.path: scanning only a subdirectory
    still finds ./apps through the git root."""
    import shutil

    d = tmp_path / "fleet"
    shutil.copytree(REAL / "fp2-target-namespace", d)
    (d / ".git").mkdir()
    sync = d / "tenants" / "apps" / "sync.yaml"
    sync.write_text(sync.read_text().replace("path: ./apps", "path: ../../apps"))
    rep = api.validate([str(d / "tenants"), str(d / "apps")], api.ValidateOptions(repo_root=str(d)))
    assert sorted((f.check, os.path.relpath(f.path, d), f.line) for f in rep.findings) == \
        [("IW403", "apps/deploy.yaml", 11)]
