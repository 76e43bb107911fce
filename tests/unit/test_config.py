"""The repository config (.imagewatch.yaml) and inline suppression comments, as tables of cases."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kubectl_imagewatch import api
from kubectl_imagewatch.checks.config import Glob
from kubectl_imagewatch.errors import InputError
from tests.conftest import invoke

REPO = """apiVersion: image.toolkit.fluxcd.io/{version}
kind: ImageRepository
metadata:
  name: {name}
  namespace: flux-system
spec:
  image: ghcr.io/acme/app:1.0.0
  interval: 5m
"""
APPS = ("apps/repo.yaml", "IW209", "error")
LEGACY = [("legacy/repo.yaml", "IW011", "warning"), ("legacy/repo.yaml", "IW209", "error")]


def make_repo(root: Path, config: str | None = None) -> Path:
    (root / ".git").mkdir(parents=True)
    for d, version in (("apps", "v1"), ("legacy", "v1beta2")):
        (root / d).mkdir()
        (root / d / "repo.yaml").write_text(REPO.format(version=version, name=d))
    if config is not None:
        (root / ".imagewatch.yaml").write_text(config)
    return root


def found(root: Path, *paths: str, **opts: object) -> list[tuple[str, str, str]]:
    rep = api.validate([str(root / p) for p in paths or (".",)], api.ValidateOptions(**opts))  # type: ignore[arg-type]
    return sorted((os.path.relpath(f.path, root), f.check, f.severity.value) for f in rep.findings)


@pytest.mark.parametrize("config, want", [
    (None, [APPS] + LEGACY),
    ("", [APPS] + LEGACY),
    ("# only a comment\n", [APPS] + LEGACY),
    ("disable: [IW209]\n", LEGACY[:1]),
    ("disable: invalid-image\n", LEGACY[:1]),
    ("severity: {IW209: warning}\n", [("apps/repo.yaml", "IW209", "warning"), LEGACY[0],
                                       ("legacy/repo.yaml", "IW209", "warning")]),
    ("severity: {retired-api-version: ERROR}\n", [APPS, ("legacy/repo.yaml", "IW011", "error"), LEGACY[1]]),
    ("exclude: ['legacy/**']\n", [APPS]),
    ("exclude: [legacy]\n", [APPS]),
    ("exclude: ['*.yaml']\n", []),
    ("exclude: ['/apps/']\n", LEGACY),
    ("exclude: ['**/repo.yaml']\n", []),
    ("exclude: ['leg*/r?po.yaml']\n", [APPS]),
    ("exclude: ['apps/*/x.yaml']\n", [APPS] + LEGACY),
    ("rules:\n- paths: ['legacy/**']\n  disable: [IW209]\n", [APPS, LEGACY[0]]),
    ("rules:\n- paths: [legacy/*.yaml]\n  severity: {IW011: info}\n", [APPS, ("legacy/repo.yaml", "IW011", "info"), LEGACY[1]]),
    # a later rule wins over an earlier one and over the top level
    ("severity: {IW209: warning}\nrules:\n- paths: ['**']\n  severity: {IW209: info}\n- paths: [legacy]\n"
     "  severity: {IW209: error}\n", [("apps/repo.yaml", "IW209", "info"), LEGACY[0], LEGACY[1]]),
])
def test_config_cases(tmp_path: Path, config: str | None, want: list) -> None:
    assert found(make_repo(tmp_path, config)) == want


@pytest.mark.parametrize("config, message", [
    ("disabel: [IW209]\n", ":1:1: unknown key 'disabel' in the config; did you mean 'disable'?"),
    ("exclud: x\n", ":1:1: unknown key 'exclud' in the config; did you mean 'exclude'?"),
    ("colour: red\n", ":1:1: unknown key 'colour' in the config (known: exclude, disable, severity, rules)"),
    ("disable: [IW209, IW999]\n", ":1:18: unknown check id 'IW999'"),
    ("severity:\n  IW209: fatal\n", ":2:10: bad severity 'fatal' for IW209: use error, warning or info"),
    ("severity:\n  IW209: 3\n", ":2:10: bad severity 3 for IW209"),
    ("severity:\n  IW2O9: error\n", ":2:3: unknown check id 'IW2O9'; did you mean IW209?"),
    ("severity: [IW209]\n", ":1:11: severity must map check ids"),
    ("rules:\n- paths: [legacy]\n  disabl: [IW209]\n", ":3:3: unknown key 'disabl' in a rule; did you mean 'disable'?"),
    ("rules:\n- disable: [IW209]\n", ":2:3: a rule needs paths"),
    ("rules:\n- legacy\n", ":2:3: a rule must be a mapping"),
    ("rules: {paths: [x]}\n", ":1:8: rules must be a list"),
    ("exclude: ['../x']\n", ":1:11: '../x': globs are relative to the config file's directory and cannot leave it"),
    ("exclude: ['']\n", ":1:11: '': an empty glob matches nothing"),
    ("exclude: [1]\n", ":1:11: exclude must be a list of strings"),
    ("exclude: {a: b}\n", ":1:10: exclude must be a list of strings"),
    ("- exclude\n", ":1:1: the config must be a mapping"),
    ("disable: [IW209\n", ":2:1: YAML syntax error"),
    ("disable: []\ndisable: []\n", ":2:1: duplicate key disable"),
    ("disable: []\n---\nexclude: []\n", ":3:1: one YAML document expected, found 2"),
    ("a: &a [*a, *a]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
     "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n", ":1:1: "),
])
def test_invalid_config_names_file_line_and_problem(tmp_path: Path, config: str, message: str) -> None:
    root = make_repo(tmp_path, config)
    with pytest.raises(InputError) as e:
        found(root)
    assert str(e.value).startswith(str(root / ".imagewatch.yaml")) or str(e.value).startswith(".imagewatch.yaml")
    assert message in str(e.value)


def test_discovery_walks_up_to_the_git_root_only(tmp_path: Path) -> None:
    (tmp_path / ".imagewatch.yaml").write_text("disable: [IW209]\n")  # above the repository: not ours
    root = make_repo(tmp_path / "repo")
    assert found(root, "apps") == [APPS]
    (root / ".imagewatch.yml").write_text("disable: [IW209]\n")
    assert found(root, "apps") == []
    assert found(root, "apps", "legacy/repo.yaml") == LEGACY[:1]  # the paths' common directory
    (root / "apps" / ".imagewatch.yaml").write_text("severity: {IW209: info}\n")  # the nearest wins
    assert found(root, "apps") == [("apps/repo.yaml", "IW209", "info")]
    other = tmp_path / "other.yaml"
    other.write_text("severity: {IW209: warning}\n")
    assert found(root, "apps", config=str(other)) == [("apps/repo.yaml", "IW209", "warning")]


def test_repo_context_honours_the_config(tmp_path: Path) -> None:
    root = make_repo(tmp_path, "rules:\n- paths: [apps]\n  disable: [IW209]\n")
    assert found(root, "apps/repo.yaml", repo_context=True) == []
    assert found(root, "legacy/repo.yaml", repo_context=True) == LEGACY


@pytest.mark.parametrize("glob, path, matches", [
    ("legacy", "legacy/a.yaml", True),
    ("legacy", "x/legacy/a.yaml", True),       # no slash: any depth
    ("/legacy", "x/legacy/a.yaml", False),     # a leading slash anchors to the config's directory
    ("legacy/", "legacy/sub/a.yaml", True),
    ("legacy/**", "legacy/a.yaml", True),
    ("legacy/**", "legacyx/a.yaml", False),
    ("**/charts/**", "a/b/charts/c/t.yaml", True),
    ("charts/*/templates", "charts/x/templates/d.yaml", True),
    ("charts/*/templates", "charts/x/y/templates/d.yaml", False),
    ("*.tmpl.yaml", "a/b/c.tmpl.yaml", True),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("./a/[!x]*.yaml", "a/y.yaml", True),
    ("./a/[!x]*.yaml", "a/x.yaml", False),
    ("**/" * 30 + "*a*a*a*a*a*a*a*a*b", "/".join(["a" * 50] * 40), False),  # bounded: a table, not backtracking
])
def test_glob(glob: str, path: str, matches: bool) -> None:
    assert Glob(glob).match(path.split("/")) is matches


MANIFEST = """apiVersion: image.toolkit.fluxcd.io/{version}
kind: ImageRepository
metadata:
  name: app
  namespace: flux-system
spec:
{before}  image: ghcr.io/acme/app:1.0.0{trailing}
  interval: 5m
"""


@pytest.mark.parametrize("before, trailing, version, want", [
    ("", "", "v1", [("IW209", 7)]),
    ("  # imagewatch: disable=IW209\n", "", "v1", []),
    ("  # imagewatch: disable=IW209 the tag is stripped later\n", "", "v1", []),
    ("", "  # imagewatch: disable=IW209", "v1", []),
    ("", "  # imagewatch: disable=invalid-image,IW011", "v1", []),
    ("", "  # imagewatch: disable", "v1", []),
    ("", "  # imagewatch: disable=IW208", "v1", [("IW209", 7)]),      # another check
    ("  # imagewatch: disable=IW209\n\n  # a comment between\n", "", "v1", []),  # the next line that is not a comment
    ("  # imagewatch: disable=IW011\n  # imagewatch: disable=IW209\n", "", "v1", []),
    ("# imagewatch: disable-file\n", "", "v1beta2", []),
    ("# imagewatch: disable-file=IW011\n", "", "v1beta2", [("IW209", 8)]),
    ("", "  # imagewatch: disable=IW209", "v1beta2", [("IW011", 1)]),
    ("  # imagewatch: disable=IW209\n  # imagewatch: disable-line=IW209\n", "", "v1",
     [("IW006", 8)]),                                                 # a misspelt directive is reported
    ("  # imagewatch: disable=IW2O9\n", "", "v1", [("IW006", 7), ("IW209", 8)]),
    ("  # imagewatch: checks this file (prose)\n", "", "v1", [("IW209", 8)]),
    ("", "  # imagewatch: disable=", "v1", [("IW006", 7), ("IW209", 7)]),
    ("  # imagewatch: disable=IW209\n", "", "v1", []),
])
def test_suppression_comments(tmp_path: Path, before: str, trailing: str, version: str, want: list) -> None:
    f = tmp_path / "repo.yaml"
    f.write_text(MANIFEST.format(version=version, before=before, trailing=trailing))
    rep = api.validate([str(f)], api.ValidateOptions(repo_root=str(tmp_path)))
    assert sorted((x.check, x.line) for x in rep.findings) == want


def test_suppression_on_stdin() -> None:
    text = MANIFEST.format(version="v1", before="", trailing="  # imagewatch: disable=IW209")
    assert invoke("validate", "-", stdin=text.encode()).code == 0


def test_cli_exit_codes(tmp_path: Path) -> None:
    root = make_repo(tmp_path, "severity: {IW209: warning}\nexclude: [legacy]\n")
    assert invoke("validate", ".", cwd=str(root)).code == 0
    assert invoke("validate", "--strict", ".", cwd=str(root)).code == 1
    (root / "strict.yaml").write_text("exclude: [legacy]\n")
    assert invoke("validate", "--config", "strict.yaml", "apps", cwd=str(root)).code == 1
    assert invoke("validate", "--config", "missing.yaml", "apps", cwd=str(root)).code == 2
    assert invoke("validate", "--repo-context", "apps/repo.yaml", cwd=str(root)).code == 0
    (root / ".imagewatch.yaml").write_text("severity:\n  IW209: fatal\n")
    r = invoke("validate", "apps", cwd=str(root))
    assert r.code == 2 and ".imagewatch.yaml:2:10: bad severity 'fatal' for IW209" in r.err, r.err


def test_a_marker_is_suppressed_from_the_line_above(tmp_path: Path) -> None:
    from tests.conftest import CASES

    src = (CASES / "checks" / "IW404" / "bad.yaml").read_text()
    marked = '        image: ghcr.io/acme/app:1.0.0 # {"$imagepolicy": "flux-system:app"}'
    assert marked in src
    f = tmp_path / "fleet.yaml"
    f.write_text(src.replace(marked, "        # imagewatch: disable=IW404 the policy lives elsewhere\n" + marked))
    rep = api.validate([str(f)], api.ValidateOptions(repo_root=str(tmp_path)))
    assert [x.check for x in rep.findings] == ["IW311"]


def test_the_documented_config_loads(tmp_path: Path) -> None:
    from kubectl_imagewatch.checks import config
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "config.md").read_text()
    blocks = [b.split("```")[0] for b in doc.split("```yaml\n")[1:]]
    example = next(b for b in blocks if b.startswith("# .imagewatch.yaml"))
    (tmp_path / ".imagewatch.yaml").write_text(example)
    cfg = config.load(str(tmp_path / ".imagewatch.yaml"))
    assert cfg.view(str(tmp_path / "charts" / "x" / "templates" / "d.yaml")) is None
    disabled, severity = cfg.view(str(tmp_path / "legacy" / "a.yaml")) or (frozenset(), {})
    assert {"IW404", "IW409"} <= disabled and severity["IW011"].value == "info"
