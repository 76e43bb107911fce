"""kustomization.yaml `namespace:` applies to the resources it builds (nested bases, outermost wins)."""
from __future__ import annotations

from pathlib import Path

from kubectl_imagewatch import api

POLICY = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: app
spec:
  imageRepositoryRef:
    name: app
  policy:
    semver:
      range: '>=1.0.0'
"""
REPO = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: app
  namespace: apps
spec:
  image: ghcr.io/acme/app
  interval: 5m
"""


def tree(tmp: Path, overlay_ns: str | None, base_ns: str | None = None) -> Path:
    (tmp / "base").mkdir()
    (tmp / "overlay").mkdir()
    (tmp / "base/policy.yaml").write_text(POLICY)
    (tmp / "base/repo.yaml").write_text(REPO)
    (tmp / "base/kustomization.yaml").write_text("resources: [policy.yaml, repo.yaml]\n"
                                                 + (f"namespace: {base_ns}\n" if base_ns else ""))
    (tmp / "overlay/kustomization.yaml").write_text("resources: [../base]\n"
                                                    + (f"namespace: {overlay_ns}\n" if overlay_ns else ""))
    return tmp


def checks(root: Path) -> list[str]:
    return sorted(f.check for f in api.validate([str(root)], api.ValidateOptions(repo_root=str(root))).findings)


def test_overlay_namespace_resolves_reference(tmp_path: Path) -> None:
    assert checks(tree(tmp_path, "apps")) == []


def test_without_kustomize_namespace_the_reference_breaks(tmp_path: Path) -> None:
    assert checks(tree(tmp_path, None)) == ["IW301"]


def test_outermost_namespace_wins(tmp_path: Path) -> None:
    from kubectl_imagewatch.manifests import inventory

    root = tree(tmp_path, "outer", base_ns="inner")
    inv = inventory.build([str(root)])
    assert {o.namespace for o in inv.objects} == {"outer"}
    assert checks(root) == []
