"""`create ... --export`: no value can inject YAML structure; multi-line templates round-trip byte for byte."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from kubectl_imagewatch.create import objects
from kubectl_imagewatch.errors import UsageError
from tests.conftest import invoke

TEMPLATES = [
    "Update images\n\n{{ range .Changed.Changes }}- {{ .NewValue }}\n{{ end }}",
    "x\n---\ny", "chore: bump\n\n---\nSigned-off-by: bot", " leading\nx\n", "a\n\n", "\n", "x\n\n\n",
    "trailing space \nx", "tab\there", "x\r\ny", "é\nü", "#x\n#y", "a\n  b\n c", "'quoted'\n\"dq\"",
]


@pytest.mark.parametrize("tmpl", TEMPLATES, ids=[f"m{i:02d}" for i in range(len(TEMPLATES))])
def test_commit_templates_round_trip(tmpl: str) -> None:
    obj = objects.update("app", "flux-system", "fleet", "1m", "main", "bot", "bot@example.com", commit_template=tmpl)
    docs = list(YAML(typ="safe", pure=True).load_all(io.StringIO(objects.export(obj))))
    assert len(docs) == 1
    assert docs[0]["spec"]["git"]["commit"]["messageTemplate"] == tmpl


def test_multi_line_template_is_a_literal_block() -> None:
    obj = objects.update("app", "flux-system", "fleet", "1m", "main", "bot", "a@b", commit_template="a\n---\nb")
    assert "      messageTemplate: |-\n        a\n        ---\n        b\n" in objects.export(obj)


@pytest.mark.parametrize("labels", [{"x: y\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  labels:\n    z": "1"},
                                    {"app": "a\nb"}, {"app": "x" * 64}, {"-bad": "x"}, {"a/b/c": "x"},
                                    {"Example.COM/app": "x"}, {"": "x"}, {"app": "a b"}])
def test_invalid_labels_are_usage_errors(labels: dict) -> None:
    with pytest.raises(UsageError):
        objects.repository("app", "flux-system", "ghcr.io/acme/app", "1m", labels=labels)


@pytest.mark.parametrize("name,namespace", [("app\nkind: Secret", "flux-system"), ("App", "flux-system"),
                                            ("app", "flux-system\n---"), ("app", "a.b")])
def test_invalid_names_are_usage_errors(name: str, namespace: str) -> None:
    with pytest.raises(UsageError):
        objects.repository(name, namespace, "ghcr.io/acme/app", "1m")


def test_valid_labels_kept() -> None:
    labels = {"app.kubernetes.io/name": "app", "tier": "", "example.com/a_b-c.d": "A-1_b.2"}
    obj = objects.repository("app", "flux-system", "ghcr.io/acme/app", "1m", labels=labels)
    assert YAML(typ="safe", pure=True).load(objects.export(obj))["metadata"]["labels"] == labels


def test_cli_label_injection_refused(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    target.write_text("---\nkind: ConfigMap\n")
    r = invoke("create", "image", "repository", "app", "--image", "ghcr.io/acme/app", "--append-to", str(target),
                "--label", "x\n---\nkind: Secret=y")
    assert r.code == 2, r.err
    assert "invalid label key" in r.err
    assert target.read_text() == "---\nkind: ConfigMap\n"
