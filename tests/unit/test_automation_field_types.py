"""Wrongly typed ImageUpdateAutomation fields: validate reports, simulate and update refuse cleanly; no crash."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubectl_imagewatch import api
from kubectl_imagewatch.errors import ImagewatchError
from kubectl_imagewatch.flux import selector

POLICY = [{"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageRepository",
           "metadata": {"name": "app", "namespace": "flux-system"}, "spec": {"image": "ghcr.io/a/app", "interval": "1h"}},
          {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy", "metadata": {"name": "app", "namespace": "flux-system"},
           "spec": {"imageRepositoryRef": {"name": "app"}, "policy": {"semver": {"range": ">=1.0.0"}}}}]

FIELDS = [(("update", "path"), v) for v in (5, ["x"], {"a": 1}, True, 1.5)] + \
    [(("git", "commit", "messageTemplate"), v) for v in (5, ["x"], {"a": 1}, True)] + \
    [(("policySelector", "matchLabels"), v) for v in (5, "x", ["x"], [1, {"a": []}])] + \
    [(("policySelector", "matchExpressions"), v) for v in (5, "x", ["x"], {"a": 1}, [{"key": "a", "operator": "In",
                                                                                    "values": 5}])] + \
    [(("update",), "x"), (("git",), []), (("policySelector",), 5)]


def _automation(path: tuple, value: object) -> dict:
    spec: dict = {"interval": "5m", "sourceRef": {"kind": "GitRepository", "name": "fleet"},
                  "git": {"checkout": {"ref": {"branch": "main"}}, "commit": {"author": {"name": "b", "email": "b@x"}}},
                  "update": {"path": "./apps", "strategy": "Setters"}}
    d = spec
    for k in path[:-1]:
        d = d.setdefault(k, {})
    d[path[-1]] = value
    return {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
            "metadata": {"name": "a", "namespace": "flux-system"}, "spec": spec}


@pytest.mark.parametrize("path,value", FIELDS, ids=[f"{'.'.join(p)}={json.dumps(v)}" for p, v in FIELDS])
def test_wrong_types(tmp_path: Path, path: tuple, value: object) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "d.yaml").write_text('image: ghcr.io/a/app:1.0.0 # {"$imagepolicy": "flux-system:app"}\n')
    f = tmp_path / "flux.yaml"
    f.write_text("".join("---\n" + json.dumps(d) + "\n" for d in POLICY + [_automation(path, value)]))
    tags = tmp_path / "tags.json"
    tags.write_text(json.dumps({"flux-system/app": ["1.0.0", "2.0.0"]}))
    report = api.validate([str(tmp_path)])
    assert report.findings  # the schema (or a check) says what is wrong
    for run in (lambda: api.simulate([str(f)], api.SimulateOptions(tags_file=str(tags), repo_root=str(tmp_path))),
                lambda: api.update([str(f)], api.UpdateOptions(tags_file=str(tags), repo_root=str(tmp_path)))):
        try:
            run()
        except ImagewatchError:
            pass
    if path == ("update", "path"):  # a path that is not a string never means "the whole repository"
        assert (tmp_path / "apps" / "d.yaml").read_text().startswith("image: ghcr.io/a/app:1.0.0")


@pytest.mark.parametrize("sel", [{"matchLabels": ["x"]}, {"matchExpressions": "x"},
                                 {"matchExpressions": [{"key": "a", "operator": "In", "values": 5}]}, 5])
def test_invalid_selectors_select_nothing(sel: object) -> None:
    assert selector.problem(sel)
    assert not selector.matches(sel, {"a": "b"})
