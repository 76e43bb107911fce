"""Inputs nested far past every limit: YAML 40,000-50,000 levels deep (libyaml recurses in C, so this
is about the C stack, and the CLI runs in a child process so that a crash fails the test instead of
killing pytest), templates nested past Python's recursion limit."""
from __future__ import annotations

from pathlib import Path

import pytest

from kubectl_imagewatch.golang import template
from kubectl_imagewatch.manifests import loader
from tests.conftest import run_cli


def test_nested_yaml_is_a_finding_not_a_segfault(tmp_path: Path) -> None:
    """libyaml recurses in C: ~50,000 levels overflow the stack. Run in a child so a crash fails the test."""
    files = {"flow.yaml": "kind: x.toolkit.fluxcd.io\nspec: " + "[" * 50000 + "]" * 50000 + "\n",
             "map.yaml": "kind: x.toolkit.fluxcd.io\nspec: " + "{a: " * 40000 + "}" * 40000 + "\n",
             "block.yaml": "kind: x.toolkit.fluxcd.io\nspec:\n" + "- " * 50000 + "x\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    r = run_cli("validate", str(tmp_path), "-o", "json")
    assert r.code == 1, r.err
    found = r.json()["findings"]
    assert len([f for f in found if f["check"] == "IW001"]) == 3
    # the update tree walk parses with the same guard
    (tmp_path / "marked.yaml").write_text('# "$imagepolicy"\nspec: ' + "[" * 50000 + "]" * 50000 + "\n")
    docs, findings, _ = loader.parse_documents((tmp_path / "marked.yaml").read_text(), "marked.yaml")
    assert not docs and findings[0].check == "IW001"


@pytest.mark.parametrize("src", ["{{ if 1 }}" * 3000 + "{{ end }}" * 3000, "{{" + "(" * 3000 + "1" + ")" * 3000 + "}}"],
                         ids=["ifs", "parens"])
def test_templates_nested_past_the_recursion_limit(src: str) -> None:
    with pytest.raises(template.TemplateError, match="nests more than"):
        template.render(src, {"A": 1})
