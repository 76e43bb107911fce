"""The update tree, hardened (fuzz-security review 2, #23-#26, #29) and update.path as Flux joins it
(realworld FP5). Each test failed before its fix."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from kubectl_imagewatch import api
from kubectl_imagewatch.automation import plan as updater, write
from kubectl_imagewatch.automation.result import Change, LatestRef, ObjectId
from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.manifests import inventory
from kubectl_imagewatch.manifests.loader import MAX_FILE_BYTES
from tests.conftest import flux_objects

MARKED = 'kind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/app:1.0.0 # {"$imagepolicy": "flux-system:app"}\n'
REFS = {"flux-system:app": LatestRef("ghcr.io/acme/app", "2.0.0")}


def automation(path: str = "./apps", template: str = "") -> dict:
    commit: dict = {"author": {"email": "b@e"}}
    if template:
        commit["messageTemplate"] = template
    return {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
            "metadata": {"name": "a", "namespace": "flux-system"},
            "spec": {"interval": "1h", "sourceRef": {"kind": "GitRepository", "name": "r"},
                     "git": {"commit": commit}, "update": {"strategy": "Setters", "path": path}}}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    (r / "apps").mkdir(parents=True)
    (r / "apps/a.yaml").write_text(MARKED)
    (tmp_path / "f.yaml").write_text(flux_objects({"flux-system:app": {"image": "ghcr.io/acme/app", "tag": "2.0.0"}},
                                                  automation()))
    return r


def plan(repo: Path) -> updater.UpdatePlan:
    return updater.plan(inventory.build([str(repo.parent / "f.yaml")]), REFS, str(repo))


class Blocked(Exception):
    """Not an OSError, so no `except OSError` in the code under test swallows it."""


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail instead of hanging: a blocking open() is interrupted by SIGALRM (PEP 475 re-raises)."""
    def expire(signum: int, frame: Any) -> None:
        signal.alarm(1)  # again, should the first one land where it is caught
        raise Blocked("blocked")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_typed_values(repo: Path) -> None:
    up = plan(repo)
    [ap] = up.automations
    [f] = ap.files
    assert (f.repo_file, f.file, f.path) == ("apps/a.yaml", "a.yaml", "apps/a.yaml")
    assert ap.changes == [Change("flux-system:app", "ghcr.io/acme/app:1.0.0", "ghcr.io/acme/app:2.0.0", 4,
                                 ObjectId("", "Pod", "", ""), "a.yaml", "apps/a.yaml")]
    assert up.changes_json()[0] == {"automation": "flux-system/a", "file": "a.yaml", "repoFile": "apps/a.yaml",
                                    "line": 4, "setter": "flux-system:app", "oldValue": "ghcr.io/acme/app:1.0.0",
                                    "newValue": "ghcr.io/acme/app:2.0.0",
                                    "object": {"apiVersion": "", "kind": "Pod", "name": "", "namespace": ""}}
    assert Change.from_json(ap.changes[0].as_json()) == ap.changes[0]
    assert REFS["flux-system:app"].full == "ghcr.io/acme/app:2.0.0"
    assert LatestRef("r/a", "1", "sha256:0").full == "r/a:1@sha256:0"


def test_commit_author_defaults_in_one_place() -> None:
    def author(a: dict) -> tuple[str, str]:
        obj = automation()
        obj["spec"]["git"]["commit"]["author"] = a
        return updater.commit_author(_object(obj))

    assert author({"name": "bot", "email": "bot@x"}) == ("bot", "bot@x")
    assert author({"email": "bot@x"}) == ("Flux", "bot@x")
    assert author({}) == ("Flux", "fluxcdbot@users.noreply.github.com")


def _object(doc: dict) -> Any:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(json.dumps(doc))
    try:
        return inventory.build([f.name]).of_kind("ImageUpdateAutomation")[0]
    finally:
        os.unlink(f.name)


def test_directory_swapped_for_symlink_after_planning(repo: Path, tmp_path: Path) -> None:
    """#23: the directory check and the write were not atomic: apps/ -> outside/ between plan and write
    wrote outside the repository."""
    up = plan(repo)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.yaml").write_text(MARKED)
    os.rename(repo / "apps", repo / "apps.old")
    os.symlink(outside, repo / "apps")
    with pytest.raises(OperationError, match="changed during the update"):
        up.apply()
    assert (outside / "a.yaml").read_text() == MARKED
    assert sorted(os.listdir(outside)) == ["a.yaml"]
    assert (repo / "apps.old/a.yaml").read_text() == MARKED


def test_file_swapped_for_directory_after_planning(repo: Path) -> None:
    """#23: the same race with a.yaml replaced by a directory ended in an internal error."""
    up = plan(repo)
    os.unlink(repo / "apps/a.yaml")
    (repo / "apps/a.yaml").mkdir()
    with pytest.raises(OperationError, match="no longer a regular file"):
        up.apply()


def test_file_swapped_for_symlink_after_planning(repo: Path, tmp_path: Path) -> None:
    up = plan(repo)
    outside = tmp_path / "outside.yaml"
    outside.write_text(MARKED)
    os.unlink(repo / "apps/a.yaml")
    os.symlink(outside, repo / "apps/a.yaml")
    with pytest.raises(OperationError):
        up.apply()
    assert outside.read_text() == MARKED


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_interrupted_temp_files_are_reported_then_removed(repo: Path) -> None:
    """#24: kill -9 during a write left `.imagewatch-*` inside the repository, for `git add -A` to stage."""
    old = time.time() - 3600
    stale = [repo / f"apps/.imagewatch-{_dead_pid()}-0123456789ab.tmp"]
    mine = repo / "apps/.imagewatch-settings"  # a user's file with our prefix: never touched
    live = repo / f"apps/.imagewatch-{os.getpid()}-0123456789ab.tmp"  # a run still writing
    young = repo / f"apps/.imagewatch-{_dead_pid()}-ba9876543210.tmp"
    for p in stale + [live, young, mine]:
        p.write_text(MARKED[:20])
        if p != young:
            os.utime(p, (old, old))
    up = plan(repo)
    assert sum("temp file of an interrupted" in w for w in up.warnings) == 3, up.warnings
    assert up.apply() == ["apps/a.yaml"]
    assert not any(p.exists() for p in stale)
    assert live.exists() and young.exists() and mine.exists()


def test_temp_files_are_never_manifests(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """#24: our temp names end in .tmp: neither Flux nor this tool reads them as manifests."""
    from kubectl_imagewatch.manifests.loader import flux_reads

    names: list[str] = []
    real = write._temp_name
    monkeypatch.setattr(write, "_temp_name", lambda: names.append(real()) or names[-1])
    plan(repo).apply()
    assert names and all(write.is_temp(n) and not flux_reads(n) for n in names)
    assert sorted(os.listdir(repo / "apps")) == ["a.yaml"]


def test_marked_file_over_the_cap_is_not_read(repo: Path) -> None:
    """#25: update read marked files whole (1.2 GB: MemoryError); now the 8 MiB cap validate applies."""
    big = repo / "apps/big.yaml"
    with open(big, "w") as f:
        f.write("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
        f.write(MARKED)
    up = plan(repo)
    assert any("big.yaml skipped" in w and "8 MiB" in w for w in up.warnings), up.warnings
    assert [f.repo_file for f in up.automations[0].files] == ["apps/a.yaml"]


def test_fifo_under_update_path_does_not_hang(repo: Path, deadline: None) -> None:
    """#26: a FIFO named *.yaml (or a link to one) blocked update and the simulate preview forever."""
    os.mkfifo(repo / "apps/fifo.yaml")
    os.mkfifo(repo / "pipe")
    os.symlink("../pipe", repo / "apps/link.yaml")
    up = plan(repo)
    assert any("fifo.yaml skipped: not a regular file" in w for w in up.warnings), up.warnings
    assert any("link.yaml skipped: not a regular file" in w for w in up.warnings), up.warnings
    assert up.apply() == ["apps/a.yaml"]


def test_fifo_does_not_hang_the_simulate_preview(repo: Path, deadline: None) -> None:
    os.mkfifo(repo / "apps/fifo.yaml")
    tags = repo.parent / "tags.json"
    tags.write_text(json.dumps({"flux-system/app": ["2.0.0"]}))
    res = api.simulate([str(repo.parent / "f.yaml")], api.SimulateOptions(tags_file=str(tags), repo_root=str(repo)))
    assert res.update is not None and res.repo_root == str(repo)
    assert any("fifo.yaml skipped: not a regular file" in w for w in res.update.warnings), res.update.warnings
    assert [c.repo_file for a in res.update.automations for c in a.changes] == ["apps/a.yaml"]


def test_git_directory_is_not_updated(repo: Path) -> None:
    """#29: update rewrote *.yaml under .git/ (validate never mentions those markers)."""
    (repo / ".git").mkdir()
    (repo / ".git/evil.yaml").write_text(MARKED)
    os.symlink("../.git/evil.yaml", repo / "apps/link-in.yaml")
    (tmp := repo.parent / "f.yaml").write_text(tmp.read_text().replace('"./apps"', '"./"'))
    up = plan(repo)
    assert up.apply() == ["apps/a.yaml"]
    assert (repo / ".git/evil.yaml").read_text() == MARKED
    assert any("link-in.yaml skipped: symlink into .git/" in w for w in up.warnings), up.warnings


def test_update_path_above_the_root_agrees_with_flux(tmp_path: Path) -> None:
    """realworld FP5: `update.path: ../../apps/base/utils/` is <root>/apps/base/utils for Flux (securejoin):
    validate, update and the commit message all say so."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "apps/base/utils").mkdir(parents=True)
    (repo / "other").mkdir()
    (repo / "apps/base/utils/deploy.yaml").write_text(MARKED)
    (repo / "other/deploy.yaml").write_text(MARKED)
    (repo / "infrastructure/image-automation").mkdir(parents=True)
    tmpl = "{{ range $f, $_ := .Changed.FileChanges }}{{ $f }};{{ end }}"
    (repo / "infrastructure/image-automation/automation.yaml").write_text(flux_objects(
        {"flux-system:app": {"image": "ghcr.io/acme/app", "tag": "2.0.0"}},
        automation("../../apps/base/utils/", tmpl)))
    tags = tmp_path / "tags.json"
    tags.write_text(json.dumps({"flux-system/app": ["2.0.0"]}))
    rep = api.validate([str(repo)])
    found = {(f.check, os.path.relpath(f.path, repo)): f.message for f in rep.findings if f.check in ("IW304", "IW409")}
    assert "updates 'apps/base/utils'" in found[("IW304", "infrastructure/image-automation/automation.yaml")]
    assert "clamps" not in found[("IW304", "infrastructure/image-automation/automation.yaml")]
    assert [k for k in found if k[0] == "IW409"] == [("IW409", "other/deploy.yaml")]
    res = api.update([str(repo)], api.UpdateOptions(tags_file=str(tags)))
    assert res.written == ["apps/base/utils/deploy.yaml"]
    assert res.plan.automations[0].message == "deploy.yaml;"
    assert (repo / "other/deploy.yaml").read_text() == MARKED
