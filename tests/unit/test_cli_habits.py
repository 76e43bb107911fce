"""What a user of kubectl, flux and CI tools expects from the CLI: nothing happens silently, paths
and positions tools can use, kubectl's flags, completion and colour (in-process)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kubectl_imagewatch.cli import COMMANDS
from kubectl_imagewatch.cli.completion import candidates
from tests.conftest import ROOT, invoke

BAD = """apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: app
  namespace: flux-system
spec:
  image: ghcr.io/acme/app
  interval: 5m
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: app
  namespace: flux-system
spec:
  imageRepositoryRef:
    name: app
  policy:
    semver:
      range: '>= 1.0.0 <'
"""  # IW204 at 20:14


def repo_with(tmp_path: Path, files: dict[str, str]) -> Path:
    """A directory that find_repo_root takes for a git repository, holding files."""
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


# --- no silent "nothing happened" -------------------------------------------------------------

@pytest.mark.parametrize("args,msg", [
    (["run", "examples/", "-n", "apps"], "-n/--namespace chooses what to read from a cluster and needs --from-cluster"),
    (["run", "examples/", "-A"], "-A/--all-namespaces chooses what to read from a cluster"),
    (["run", "examples/", "--context", "kind"], "--context is used only with --from-cluster"),
    (["run", "examples/", "--kubeconfig", "/dev/null"], "--kubeconfig is used only with --from-cluster"),
    (["run", "--from-cluster", "examples/"], "give PATHs or --from-cluster, not both"),
    (["run", "--from-cluster", "--kubeconfig", "/nonexistent"], "'/nonexistent' does not exist"),
])
def test_cluster_flags_without_a_cluster_are_usage_errors(args: list, msg: str) -> None:
    r = invoke(*args)
    assert r.code == 2 and msg in r.err, r.err


def test_zero_flux_objects_is_said(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    r = invoke("validate", str(tmp_path))
    assert r.code == 0 and "warning: no Flux objects in" in r.err and "nothing was checked" in r.err
    r = invoke("run", str(tmp_path))
    assert r.code == 0 and r.out == "nothing to do: no ImagePolicy or ImageUpdateAutomation found\n"
    assert invoke("run", str(tmp_path), "-o", "json").json() == {"policies": [], "automations": [], "skipped": []}
    r = invoke("update", str(tmp_path), "--repo-root", str(tmp_path), "--tags-file", "examples/tags.yaml")
    assert r.code == 0 and "no ImageUpdateAutomation in" in r.err and "nothing to update" in r.err


def test_clean_flux_files_say_nothing_extra() -> None:
    r = invoke("validate", "examples/")
    assert r.code == 0 and r.err == ""


def test_append_to_refuses_a_duplicate_and_says_what_it_wrote(tmp_path: Path) -> None:
    f = tmp_path / "new.yaml"
    args = ["create", "image", "policy", "app", "--image-ref", "app", "--select-semver", ">=1.0.0", "--append-to", str(f)]
    r = invoke(*args)
    assert r.code == 0 and r.err == f"appended ImagePolicy flux-system/app to {f}\n" and r.out == ""
    before = f.read_text()
    r = invoke(*args)
    assert r.code == 2 and f"{f}:2 already defines ImagePolicy flux-system/app" in r.err
    assert f.read_text() == before
    assert invoke(*args[:-2], "-n", "apps", "--append-to", str(f)).code == 0  # another namespace: another object


# --- output for CI and editors -----------------------------------------------------------------

@pytest.mark.parametrize("given", ["absolute", "dot-relative", "pre-commit"])
def test_paths_are_relative_to_the_repository_in_every_format(tmp_path: Path, given: str) -> None:
    repo = repo_with(tmp_path, {"apps/bad.yaml": BAD})
    args = {"absolute": [str(repo / "apps")], "dot-relative": ["./apps"],
            "pre-commit": ["--repo-context", "apps/bad.yaml"]}[given]
    *more, arg = args
    text = invoke("validate", *more, arg, cwd=str(repo)).out
    assert text.startswith("apps/bad.yaml:20:14: error IW204 semver range"), text
    gh = invoke("validate", *more, "-o", "github", arg, cwd=str(repo)).out
    assert gh.startswith("::error file=apps/bad.yaml,line=20,col=14,title=IW204::")
    sarif = invoke("validate", *more, "-o", "sarif", arg, cwd=str(repo)).json()
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]] \
        == ["apps/bad.yaml"]
    assert [f["path"] for f in invoke("validate", *more, "-o", "json", arg, cwd=str(repo)).json()["findings"]] \
        == ["apps/bad.yaml"]


def test_github_step_summary_when_annotations_are_capped(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, {f"apps/bad{i:02}.yaml": BAD.replace("name: app", f"name: app{i}")
                                for i in range(11)})
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"}
    r = invoke("validate", "apps", cwd=str(repo), env=env)
    assert r.code == 1 and r.out.count("::error ") == 11
    rows = [ln for ln in summary.read_text().splitlines() if ln.startswith("| error | IW204 |")]
    assert len(rows) == 11 and rows[0].startswith("| error | IW204 | `apps/bad00.yaml:20:14` | semver range")
    summary.unlink()
    (repo / "apps/bad10.yaml").unlink()
    assert invoke("validate", "apps", cwd=str(repo), env=env).code == 1
    assert not summary.exists()  # 10 annotations of a level: all shown, no summary needed


# --- kubectl habits ------------------------------------------------------------------------------

def test_bare_command_prints_help_and_exits_0() -> None:
    r = invoke()
    assert r.code == 0 and "Usage:" in r.out and "Commands:" in r.out and r.err == ""


def test_help_lists_the_table_in_order() -> None:
    r = invoke("--help")
    assert [ln.split()[0] for ln in r.out.split("Commands:")[1].splitlines() if ln.strip()] == list(COMMANDS)


@pytest.mark.parametrize("words,expected", [
    ([""], [*(f"{n}\t{c.summary}" for n, c in COMMANDS.items()), ":4"]),
    (["sim"], [f"simulate\t{COMMANDS['simulate'].summary}", ":4"]),
    (["simulate", "-o", ""], ["text", "json", ":4"]),
    (["simulate", "--tags-file", ""], [":0"]),       # files: the shell completes them
    (["simulate", "--repo-root", ""], [":16"]),      # directories only
    (["validate", ""], [":0"]),
    (["completion", ""], ["bash", "zsh", "fish", ":4"]),
])
def test_kubectl_plugin_completion(words: list, expected: list) -> None:
    assert candidates(words) == expected


def test_kubectl_complete_entry_point_is_declared() -> None:
    cfg = (ROOT / "setup.cfg").read_text()
    assert "kubectl_complete-imagewatch = kubectl_imagewatch.cli.completion:kubectl_complete" in cfg


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str) -> None:
    r = invoke("completion", shell)
    assert r.code == 0 and "_KUBECTL_IMAGEWATCH_COMPLETE" in r.out and "kubectl-imagewatch" in r.out
    assert " IMAGEWATCH" not in r.out  # no variable derived from "kubectl imagewatch" (with a space)


def test_completion_through_the_environment_variable() -> None:
    r = invoke(env={"_KUBECTL_IMAGEWATCH_COMPLETE": "bash_complete", "COMP_WORDS": "kubectl-imagewatch simulate --fl",
                    "COMP_CWORD": "2"})
    assert r.out == "plain,--flux-release\n"


@pytest.mark.parametrize("cmd", [["simulate", "examples/", "--tags-file", "examples/tags.yaml"],
                                 ["validate", "tests/cases/checks/IW204/bad.yaml"]])
def test_color_always_is_honoured_when_piped(cmd: list) -> None:
    assert "\033[" in invoke(*cmd, "--color", "always").out
    assert "\033[" not in invoke(*cmd, "--color", "never").out
    assert "\033[" not in invoke(*cmd).out  # auto, not a terminal


def test_namespace_flag_for_manifests(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("".join(d.replace("  namespace: flux-system\n", "") + "---\n" for d in BAD.split("---\n")))
    found = invoke("validate", "-o", "json", "-n", "apps", str(f)).json()["findings"]
    assert [x["check"] for x in found] == ["IW204"]
    r = invoke("simulate", str(f), "-n", "apps", "--tags-file", "-", "-o", "json", stdin=b'{"apps/app": ["1.0.0"]}')
    assert r.json()["policies"][0]["namespace"] == "apps"


@pytest.mark.parametrize("given,code", [("IW999", 2), ("iw204", 0), ("semver-range-invalid", 0)])
def test_disable_takes_ids_in_any_case_and_names_and_rejects_unknown_ones(tmp_path: Path, given: str, code: int) -> None:
    from kubectl_imagewatch.checks import CHECKS

    f = tmp_path / "bad.yaml"
    f.write_text(BAD)
    name = given if given != "semver-range-invalid" else CHECKS["IW204"].slug
    r = invoke("validate", "--disable", name, str(f))
    assert r.code == code, r.out + r.err
    if code == 2:
        assert "unknown check id 'IW999'" in r.err


def test_marker_findings_point_at_the_comment(tmp_path: Path) -> None:
    line = '        image: ghcr.io/acme/app:1.0.0 # {"$imagepolicy": "flux-system:nope"}'
    repo = repo_with(tmp_path, {"deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n"
                                               "    spec:\n      containers:\n      - name: app\n" + line + "\n"})
    r = invoke("validate", "deploy.yaml", cwd=str(repo))
    assert f"deploy.yaml:8:{line.index('#') + 1}: error IW403" in r.out, r.out


def test_run_text_colours_its_dry_run_diff_on_request() -> None:
    from kubectl_imagewatch.report import run as rep

    report = {"policies": [], "skipped": [], "automations": [
        {"automation": "flux-system/apps", "outcome": "dry-run", "commit": "0123456789", "branch": "main", "error": None,
         "warnings": [], "message": "Update", "diff": "--- a/x.yaml\n+++ b/x.yaml\n-image: a:1\n+image: a:2\n"}]}
    plain = rep.render_text(report)
    assert plain.endswith("--- a/x.yaml\n+++ b/x.yaml\n-image: a:1\n+image: a:2\n") and "\033[" not in plain
    coloured = rep.render_text(report, color=True)
    assert "\033[31m-image: a:1\033[0m\n\033[32m+image: a:2\033[0m\n" in coloured and "--- a/x.yaml\n" in coloured
    assert invoke("run", "examples/flux-system", "--color", "always", "--help").code == 0


def test_missing_update_path_fails_the_automation(tmp_path: Path) -> None:
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo)
    auto = repo / "flux-system/image-automation.yaml"
    auto.write_text(auto.read_text().replace("path: ./apps", "path: ./nowhere"))
    r = invoke("update", str(repo), "--repo-root", str(repo), "--tags-file", str(repo / "tags.yaml"))
    assert r.code == 1
    assert "ImageUpdateAutomation flux-system/apps: FAILED: update.path './nowhere' does not exist under" in r.out
    assert "no changes" not in r.out
    r = invoke("simulate", str(repo), "--repo-root", str(repo), "--tags-file", str(repo / "tags.yaml"))
    assert r.code == 1 and "FAILED: update.path './nowhere' does not exist" in r.out  # a failed preview fails simulate


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_table_row_is_a_command_with_help(name: str) -> None:
    r = invoke(name, "--help")
    assert r.code == 0 and r.out.startswith(f"Usage: kubectl-imagewatch {name} "), r.out + r.err


@pytest.mark.parametrize("flag,env,tty,want", [
    ("always", {"NO_COLOR": "1"}, False, True), ("never", {}, True, False), ("auto", {}, True, True),
    ("auto", {}, False, False), ("auto", {"NO_COLOR": "1"}, True, False), ("auto", {"TERM": "dumb"}, True, False),
])
def test_use_color(monkeypatch: pytest.MonkeyPatch, flag: str, env: dict, tty: bool, want: bool) -> None:
    import sys

    from kubectl_imagewatch.cli.options import use_color

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty)
    assert use_color(flag) is want


def test_a_failed_automation_shows_no_diff(tmp_path: Path) -> None:
    """A failed automation writes and commits nothing, so the preview shows no diff of its files."""
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo)
    auto = repo / "flux-system/image-automation.yaml"
    auto.write_text(auto.read_text().replace("        Update images\n", "        {{ template \"x\" }}\n"))
    for cmd in (["update", "--dry-run"], ["simulate"]):
        r = invoke(*cmd, str(repo), "--repo-root", str(repo), "--tags-file", str(repo / "tags.yaml"))
        assert r.code == 1 and 'FAILED: failed to run template from spec' in r.out, r.out + r.err
        assert "+++ b/" not in r.out, r.out
