"""`diff BASE` without a tags file: both sides over one scan of a real registry (Debian docker-registry)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.unit.test_diff import git

pytestmark = pytest.mark.integration

MANIFESTS = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {{name: app, namespace: flux-system}}
spec: {{image: {host}/team/app, interval: 1h, insecure: true}}
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {{name: app, namespace: flux-system}}
spec:
  imageRepositoryRef: {{name: app}}
  policy: {{semver: {{range: '>=1.0.0 <2.0.0'}}}}
"""


def test_one_scan_serves_both_sides(registry, proxy_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    registry.push("team/app", ["1.0.0", "1.1.0", "2.0.0", "latest"])
    proxy = proxy_factory(registry.port, 0)
    repo = tmp_path / "fleet"
    repo.mkdir()
    (repo / "images.yaml").write_text(MANIFESTS.format(host=proxy.host))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "images.yaml").write_text(MANIFESTS.format(host=proxy.host).replace("'>=1.0.0 <2.0.0'", "'>=1.0.0'"))
    r = run_cli("diff", "main", "-o", "json", cwd=str(repo))
    assert r.code == 1, r.err
    p = r.json()["policies"][0]
    assert (p["before"]["tag"], p["after"]["tag"]) == ("1.1.0", "2.0.0")
    assert "1.1.0 lost: lower than 2.0.0" in p["reason"]
    assert len([x for x in proxy.log if "tags/list" in x]) == 1  # the registry was asked once
