"""More CLI surface: kind: List, --list-checks, the pre-commit manifest, kubectl plugin discovery,
simulate filters and tag-file forms."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, invoke, write_manifests


def test_kind_list_is_validated(tmp_path: Path) -> None:
    bad = yaml.safe_load_all((ROOT / "tests/cases/checks/IW204/bad.yaml").read_text())
    f = tmp_path / "list.yaml"
    f.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": list(bad)}))
    r = invoke("validate", "-o", "json", str(f))
    assert r.code == 1
    assert [x["check"] for x in r.json()["findings"]] == ["IW204"]


def test_list_checks_matches_table() -> None:
    from kubectl_imagewatch.checks import CHECKS

    r = invoke("validate", "--list-checks")
    assert r.code == 0
    assert [line.split()[0] for line in r.out.splitlines()] == list(CHECKS)


def test_pre_commit_hook_manifest() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "imagewatch-validate")
    assert hook["language"] == "python" and hook["require_serial"] is True
    assert hook["types_or"] == ["yaml"] and hook["entry"].startswith("kubectl-imagewatch validate")


def test_plugin_manifest() -> None:
    plugin = yaml.safe_load((ROOT / "plugin.yaml").read_text())
    assert plugin["kind"] == "Plugin" and plugin["metadata"]["name"] == "imagewatch"
    assert plugin["spec"]["version"].startswith("v")
    assert all(p["bin"] == "kubectl-imagewatch" for p in plugin["spec"]["platforms"])


def test_simulate_policy_filter_and_stdin_tags(tmp_path: Path) -> None:
    tags = json.dumps({"ghcr.io/stefanprodan/podinfo": {"6.5.0": "sha256:aa", "6.6.0": "sha256:bb"}}).encode()
    r = invoke("simulate", "examples/flux-system", "--tags-file", "-", "--policy", "flux-system/podinfo", "-o", "json",
                stdin=tags)
    assert r.code == 0, r.err
    assert r.json()["policies"][0]["result"]["tag"] == "6.6.0"
    r = invoke("simulate", "examples/flux-system", "--tags-file", "-", "--policy", "nope", stdin=tags)
    assert r.code == 2 and "no ImagePolicy nope" in r.err


def test_simulate_reports_random_ties(tmp_path: Path) -> None:
    m = write_manifests(tmp_path / "m.yaml", {"image": "ghcr.io/acme/app"}, None,
                        {"filterTags": {"pattern": ".*"}, "policy": {"semver": {"range": ">=1.0.0"}}})
    t = tmp_path / "t.yaml"
    t.write_text("flux-system/app: [1.0.0, v1.0.0, 0.9.0]\n")
    r = invoke("simulate", str(m), "--tags-file", str(t), "-o", "json")
    p = r.json()["policies"][0]
    assert sorted(p["tied"]) == ["1.0.0", "v1.0.0"] and p["result"]["tag"] in p["tied"]
    assert "random" in p["warnings"][0]
    r = invoke("simulate", str(m), "--tags-file", str(t))
    assert "tie" in r.out and "Flux picks one at random" in r.out


def test_simulate_numerical_failure_names_the_tag(tmp_path: Path) -> None:
    m = write_manifests(tmp_path / "m.yaml", {"image": "ghcr.io/acme/app"}, None,
                        {"policy": {"numerical": {"order": "asc"}}})
    t = tmp_path / "t.json"
    t.write_text(json.dumps({"flux-system/app": ["1", "2", "latest", "10"]}))
    r = invoke("simulate", str(m), "--tags-file", str(t), "-o", "json")
    assert r.code == 1
    p = r.json()["policies"][0]
    assert p["error"]["reason"] == "invalid-numeric" and "'latest'" in p["error"]["message"]
    assert {x["tag"]: x["verdict"] for x in p["tags"]}["latest"] == "unparsable"


def test_no_color_and_long_lists_collapse(tmp_path: Path) -> None:
    tags = {"flux-system/podinfo": [f"6.{i}.0" for i in range(40)]}
    t = tmp_path / "t.json"
    t.write_text(json.dumps(tags))
    r = invoke("simulate", "examples/flux-system", "--tags-file", str(t), "--color", "auto",
                env={"NO_COLOR": "1"})
    assert "\033[" not in r.out
    assert "more (" in r.out and "--all shows every tag" in r.out
    r = invoke("simulate", "examples/flux-system", "--tags-file", str(t), "--all")
    assert "6.0.0" in r.out and "more (" not in r.out


def test_help_examples_use_real_flags() -> None:
    """Every example in the top-level help parses: its flags exist (checked with --help appended)."""
    r = invoke("--help")
    examples = [ln.strip() for ln in r.out.splitlines() if ln.strip().startswith("kubectl imagewatch ")]
    assert len(examples) == 5
    for ex in examples:
        words = ex.split()[2:]
        flags = [w for w in words if w.startswith("--")]
        sub = words[:3] if words[0] == "create" else words[:1]
        help_text = invoke(*sub, "--help").out
        for f in flags:
            assert f in help_text, (ex, f)


@pytest.mark.parametrize("content,winner", [("6.5.0\n6.6.1\nlatest\n7.0.0\n", "6.6.1"),
                                            ("- 6.5.0\n- 6.7.0\n", "6.7.0"),
                                            ('["6.1.0", "6.2.0"]', "6.2.0")])
def test_tags_file_plain_lists(tmp_path: Path, content: str, winner: str) -> None:
    """Flux's tags.txt (one per line) and bare lists apply to every repository."""
    t = tmp_path / "tags.txt"
    t.write_text(content)
    r = invoke("simulate", "examples/flux-system", "--tags-file", str(t), "-o", "json")
    assert r.code == 0, r.err
    assert r.json()["policies"][0]["result"]["tag"] == winner
