"""Behaviour only a real process shows: the configuration error and lone surrogates as they reach a
real stdout/stderr (encoding errors surface there, not in click's test runner)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.unit.test_config import make_repo


def test_bad_config_in_a_real_process(tmp_path: Path) -> None:
    root = make_repo(tmp_path, "disable: [IW209]\nrules:\n- paths: [x]\n  severty: {}\n")
    r = run_cli("validate", "apps", cwd=str(root))
    assert r.code == 2 and "error: .imagewatch.yaml:4:3: unknown key 'severty' in a rule; did you mean 'severity'?" in r.err
    assert "Traceback" not in r.err


@pytest.mark.parametrize("fmt", ["text", "sarif", "github", "json"])
def test_lone_surrogates_print(tmp_path: Path, fmt: str) -> None:
    m = tmp_path / "m.yaml"
    m.write_text('image: x:1 # {"$imagepolicy": "a:\\ud800"}\n')
    r = run_cli("validate", str(m), "-o", fmt)
    assert r.code == 1, r.err
    assert "Traceback" not in r.err and "internal error" not in r.err


def test_lone_surrogate_tags(tmp_path: Path) -> None:
    from tests.conftest import flux_objects

    f = tmp_path / "flux.yaml"
    f.write_text(flux_objects({"flux-system:app": {"image": "ghcr.io/acme/app"}}).replace(
        '"policy": {"alphabetical": {"order": "asc"}}',
        '"policy": {"alphabetical": {"order": "asc"}}, "filterTags": {"pattern": ".*"}'))
    t = tmp_path / "tags.json"
    t.write_text(json.dumps({"flux-system/app": ["1.0.0", "\ud800"]}, ensure_ascii=True))
    for fmt in ("text", "json"):
        r = run_cli("simulate", str(f), "--tags-file", str(t), "-o", fmt)
        assert r.code in (0, 1), r.err
        assert "Traceback" not in r.err
