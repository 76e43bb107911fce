"""The byte screen: documents cut from a stream, kinds read from bytes, the screen cache."""
from __future__ import annotations

import json
import os

import pytest

from kubectl_imagewatch import api
from kubectl_imagewatch.manifests import inventory, loader, screen

CRD = ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
       "  name: imagepolicies.image.toolkit.fluxcd.io\nspec:\n  group: image.toolkit.fluxcd.io\n"
       "  names:\n    kind: ImagePolicy\n  versions:\n  - name: v1\n")
POLICY = ("apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: app\n"
          "  namespace: flux-system\nspec:\n  imageRepositoryRef:\n    name: app\n  policy:\n"
          "    semver:\n      range: '>=1.0.0'\n")

# text -> [(first line, kind)] of its documents, or None: not cut
SPLITS = [
    ("", []),
    ("# only a comment\n", []),
    ("a: 1\n", [(0, None)]),
    ("kind: Deployment\n", [(0, "Deployment")]),
    ("# c\n---\nkind: Deployment\n---\nkind: 'Service'\n", [(1, "Deployment"), (3, "Service")]),
    ("kind: A\n--- # next\nkind: \"B\"  # note\n---\n", [(0, "A"), (1, "B"), (3, None)]),
    ("kind: A\r\n---\r\nkind: B\r\n", [(0, "A"), (1, "B")]),
    ("rules:\n- apiGroups:\n  - x\nkind: ClusterRole\n", [(0, "ClusterRole")]),
    ("---x: 1\nkind: A\n", [(0, None)]),  # `---x` is a key, not a separator; the document is doubtful
    # doubt: no kind given
    ("kind: A\nkind: B\n", [(0, None)]),  # two kind lines
    ("<<: {kind: ImagePolicy}\nkind: A\n", [(0, None)]),  # merge key
    ("'kind': A\n", [(0, None)]),  # quoted key
    ("kind: !!str A\n", [(0, None)]),  # tagged value
    ("kind: A,\n", [(0, None)]),
    ("{\nkind: A\n}\n", [(0, None)]),  # flow mapping
    ("- kind: A\n", [(0, None)]),  # a sequence
    ("  kind: ImagePolicy\n  x: \"a\nkind: Deployment\n  b\"\n", [(0, None)]),  # indented mapping
    ("a: \"x\nkind: Deployment\nkind: ImagePolicy\n", [(0, None)]),
    # not cut
    ("a: 1\n...\n---\nb: 2\n", None),
    ("%YAML 1.2\n---\na: 1\n", None),
    ("--- a\n---\nb: 1\n", None),
    ("--- |\nkind: Deployment\n", None),
]


@pytest.mark.parametrize("text,expected", SPLITS)
def test_split_documents(text: str, expected: list) -> None:
    got = screen.split_documents(text)
    assert (None if got is None else [(line, kind) for line, _, kind in got]) == expected
    if got is not None:
        assert text.endswith("".join(piece for _, piece, _ in got))  # nothing lost but a comment preamble


def test_screened_documents_keep_their_lines_and_indexes() -> None:
    text = "---\n" + CRD + "---\n" + POLICY + "---\n" + "apiVersion: v1\nkind: ConfigMap\n" + "---\n" + POLICY
    whole, f1, _ = loader.parse_documents(text, "f.yaml")
    some, f2, _ = loader.parse_documents(text, "f.yaml", inventory.WANTED_KINDS)
    assert not f1 and not f2
    assert [d.data["kind"] for d in some] == ["ImagePolicy", "ImagePolicy"]
    kept = [d for d in whole if d.data["kind"] == "ImagePolicy"]
    assert [(d.index, d.line, d.positions) for d in some] == [(d.index, d.line, d.positions) for d in kept]


def test_syntax_errors_in_composed_documents_keep_their_position() -> None:
    text = "---\n" + CRD + "---\n" + POLICY + "  bad: [\n"
    _, whole, _ = loader.parse_documents(text, "f.yaml")
    _, some, _ = loader.parse_documents(text, "f.yaml", inventory.WANTED_KINDS)
    assert [(f.check, f.line, f.column) for f in some] == [(f.check, f.line, f.column) for f in whole]


def test_documents_of_other_kinds_are_never_composed(tmp_path, monkeypatch) -> None:
    (tmp_path / "bundle.yaml").write_text("---\n" + CRD + "---\n" + POLICY)
    composed: list[str] = []
    real = loader._compose

    def spy(text, *a, **k):
        composed.append(text)
        return real(text, *a, **k)

    monkeypatch.setattr(loader, "_compose", spy)
    inv = inventory.build([str(tmp_path)])
    assert [o.kind for o in inv.objects] == ["ImagePolicy"]
    assert composed and all("CustomResourceDefinition" not in t for t in composed)


def _repo(tmp_path) -> tuple[str, str]:
    (tmp_path / ".git").mkdir()
    (tmp_path / "crds.yaml").write_text("---\n" + CRD + "---\n" + CRD.replace("imagepolicies", "imagerepositories"))
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    (tmp_path / "policy.yaml").write_text(POLICY)
    marked = tmp_path / "deploy.yaml"
    marked.write_text("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
                      "      - image: app:1.0.0 # {\"$imagepolicy\": \"flux-system:app\"}\n")
    return str(tmp_path / ".git" / "imagewatch-screen.json"), str(marked)


def test_the_hook_writes_the_screen_cache(tmp_path) -> None:
    cache, marked = _repo(tmp_path)
    opts = api.ValidateOptions(repo_context=True)
    first = api.validate([marked], opts)
    entries = json.load(open(cache))["entries"]
    clean = {os.path.basename(p) for p, e in entries.items() if e[2] & screen.CLEAN}
    assert clean == {"crds.yaml", "cm.yaml"}  # a bundle of CRDs holds nothing either
    assert api.validate([marked], opts).findings == first.findings


def test_a_changed_file_is_read_again(tmp_path) -> None:
    cache, marked = _repo(tmp_path)
    api.validate([marked], api.ValidateOptions(repo_context=True))
    cm = tmp_path / "cm.yaml"
    cm.write_text(POLICY.replace("name: app\n", "name: other\n", 1) + "# longer\n")
    inv = inventory.build([str(tmp_path)], cache_file=cache, marker_paths={marked})
    assert sorted(o.name for o in inv.objects) == ["app", "other"]


def test_a_stale_or_foreign_cache_file_is_ignored(tmp_path) -> None:
    cache, marked = _repo(tmp_path)
    for content in ("not json", json.dumps({"version": 1, "entries": {}}), json.dumps([1]),
                    json.dumps({"version": screen.ScreenCache.VERSION, "entries": {str(tmp_path / "policy.yaml"): [0, 0, "x"]}})):
        with open(cache, "w") as f:
            f.write(content)
        inv = inventory.build([str(tmp_path)], cache_file=cache, marker_paths={marked})
        assert [o.name for o in inv.objects] == ["app"]


def test_the_update_walk_asks_the_inventory_screen(tmp_path) -> None:
    _, marked = _repo(tmp_path)
    inv = inventory.build([str(tmp_path)], markers=False)
    assert inv.screen.lacks_marker(str(tmp_path / "cm.yaml"))
    assert not inv.screen.lacks_marker(marked)
    assert not inventory.build([str(tmp_path)], markers=False).screen.path  # in memory unless given a file



def test_the_cache_forgets_deleted_files(tmp_path) -> None:
    cache, marked = _repo(tmp_path)
    api.validate([marked], api.ValidateOptions(repo_context=True))
    os.remove(tmp_path / "cm.yaml")
    inventory.build([str(tmp_path)], cache_file=cache, marker_paths={marked})
    entries = json.load(open(cache))["entries"]
    assert str(tmp_path / "crds.yaml") in entries and str(tmp_path / "cm.yaml") not in entries
    assert not [n for n in os.listdir(tmp_path / ".git") if n.endswith(".tmp")]
