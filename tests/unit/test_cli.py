"""The CLI in-process (click's CliRunner): the README's flows, bad input, exit codes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, invoke


def test_help_lists_every_command() -> None:
    r = invoke("--help")
    assert r.code == 0
    for cmd in ("validate", "simulate", "update", "run", "create"):
        assert cmd in r.out


def test_validate_examples_clean() -> None:
    r = invoke("validate", "examples/")
    assert r.code == 0, r.out + r.err
    assert "0 errors" in r.out


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_validate_formats(fmt: str) -> None:
    bad = ROOT / "tests/cases/checks/IW204/bad.yaml"
    r = invoke("validate", "-o", fmt, str(bad))
    assert r.code == 1
    if fmt == "json":
        assert any(f["check"] == "IW204" for f in r.json()["findings"])
    elif fmt == "sarif":
        doc = r.json()
        assert doc["version"] == "2.1.0"
        res = doc["runs"][0]["results"]
        assert res[0]["ruleId"] == "IW204" and res[0]["locations"][0]["physicalLocation"]["region"]["startLine"] > 1
    elif fmt == "github":
        assert r.out.startswith("::error file=") and "title=IW204" in r.out
    else:
        assert "IW204" in r.out and "hint:" in r.out


def test_strict_makes_warnings_fail() -> None:
    bad = ROOT / "tests/cases/checks/IW011/bad.yaml"
    assert invoke("validate", str(bad)).code == 0
    assert invoke("validate", "--strict", str(bad)).code == 1


def test_validate_stdin() -> None:
    data = (ROOT / "tests/cases/checks/IW204/bad.yaml").read_bytes()
    r = invoke("validate", "-", stdin=data)
    assert r.code == 1 and "<stdin>" in r.out


@pytest.mark.parametrize("args,msg", [
    (["validate", "does/not/exist"], "no such file or directory: does/not/exist"),
    (["simulate", "does/not/exist"], "no such file or directory: does/not/exist"),
    (["update", "does/not/exist", "--repo-root", "examples"], "no such file or directory: does/not/exist"),
    (["run", "does/not/exist"], "no such file or directory: does/not/exist"),
    (["validate", "-o", "xml", "examples"], "'xml' is not one of"),
    (["validate", "--repo-root", "nowhere", "examples"], "nowhere"),
    (["simulate", "examples/", "--tags-file", "examples/tags.yaml", "--flux-release", "abc"], "unknown Flux release 'abc'"),
    (["update", "examples/", "--repo-root", "examples", "--flux-release", "2"], "unknown Flux release '2'"),
    (["run", "examples/", "--flux-release", "x.y"], "unknown Flux release 'x.y'"),
    (["simulate", "examples/", "--tags-file", "examples/tags.yaml", "--flux-release", "3.9"],
     "unknown Flux release '3.9': Flux released 0.1 to 0.41 and 2.0 to"),
])
def test_usage_errors_exit_2(args: list, msg: str) -> None:
    r = invoke(*args)
    assert r.code == 2 and msg in r.err, r.err


def bad_inputs(tmp: Path) -> None:
    flux = b"apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\n"
    (tmp / "binary.yaml").write_bytes(flux + b"\0\1\2")
    (tmp / "latin1.yaml").write_bytes(flux + b"metadata: {name: caf\xe9}\n")
    (tmp / "helm.yaml").write_bytes(flux + b"spec:\n  {{- if .Values.x }}\n  a: {{ .Values.y }}\n")
    bomb = b"apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\na: &a [x, x, x, x, x, x, x, x, x]\n"
    prev = "a"
    for i in range(1, 12):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n".encode()
        prev = chr(97 + i)
    (tmp / "bomb.yaml").write_bytes(bomb)
    with open(tmp / "huge.yaml", "wb") as f:
        f.write(flux)
        f.seek(50 << 20)
        f.write(b"\n")
    os.symlink(tmp / "missing.yaml", tmp / "broken.yaml")
    (tmp / "deep.yaml").write_bytes(flux + b"spec: " + b"[" * 5000 + b"]" * 5000 + b"\n")
    (tmp / "empty.yaml").write_bytes(b"")


def test_bad_input_never_tracebacks(tmp_path: Path) -> None:
    bad_inputs(tmp_path)
    r = invoke("validate", "-o", "json", str(tmp_path))
    assert r.code == 1, r.err
    assert "Traceback" not in r.err and r.err == ""
    found = {(Path(f["path"]).name, f["check"]) for f in r.json()["findings"]}
    assert ("binary.yaml", "IW004") in found
    assert ("latin1.yaml", "IW002") in found
    assert ("helm.yaml", "IW007") in found
    assert ("bomb.yaml", "IW001") in found
    assert ("huge.yaml", "IW004") in found
    assert ("broken.yaml", "IW004") in found


def test_simulate_examples_text_and_json() -> None:
    r = invoke("simulate", "examples/", "--tags-file", "examples/tags.yaml", "--repo-root", "examples")
    assert r.code == 0, r.err
    assert "latest: ghcr.io/stefanprodan/podinfo:6.10.1" in r.out
    assert "out-of-range" in r.out and "excluded" in r.out and "filtered" in r.out
    assert "+          image: ghcr.io/stefanprodan/podinfo:6.10.1" in r.out
    j = invoke("simulate", "examples/", "--tags-file", "examples/tags.yaml", "-o", "json").json()
    p = j["policies"][0]
    assert p["result"] == {"tag": "6.10.1", "image": "ghcr.io/stefanprodan/podinfo:6.10.1", "digest": None}
    assert {t["tag"]: t["verdict"] for t in p["tags"]}["7.0.0"] == "out-of-range"


def test_simulate_failed_policy_exits_1(tmp_path: Path) -> None:
    tags = tmp_path / "tags.json"
    tags.write_text(json.dumps({"flux-system/podinfo": ["latest", "main"]}))
    r = invoke("simulate", "examples/flux-system", "--tags-file", str(tags), "-o", "json")
    assert r.code == 1
    assert r.json()["policies"][0]["error"]["reason"] == "no-match"


def test_update_dry_run_then_write(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo)
    before = (repo / "apps/podinfo/deployment.yaml").read_bytes()
    r = invoke("update", str(repo / "flux-system"), "--repo-root", str(repo), "--tags-file",
                str(repo / "tags.yaml"), "--dry-run")
    assert r.code == 0, r.err
    assert "- ghcr.io/stefanprodan/podinfo:6.5.0 -> ghcr.io/stefanprodan/podinfo:6.10.1" in r.out
    assert (repo / "apps/podinfo/deployment.yaml").read_bytes() == before
    r = invoke("update", str(repo / "flux-system"), "--repo-root", str(repo), "--tags-file",
                str(repo / "tags.yaml"), "-o", "json")
    assert r.code == 0, r.err
    after = (repo / "apps/podinfo/deployment.yaml").read_bytes()
    assert after == before.replace(b"podinfo:6.5.0", b"podinfo:6.10.1")
    changes = r.json()["changes"]
    assert {(c["setter"], c["newValue"]) for c in changes} == {
        ("flux-system:podinfo", "ghcr.io/stefanprodan/podinfo:6.10.1"), ("flux-system:podinfo:tag", "6.10.1")}


def test_update_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@e")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "init"], check=True, env=env)
    r = invoke("update", "flux-system", "--tags-file", "tags.yaml", "--commit", cwd=str(repo))
    assert r.code == 0, r.err
    log = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%an <%ae>%n%B"], capture_output=True,
                         text=True).stdout
    assert log.startswith("fluxcdbot <fluxcdbot@example.com>\nUpdate images")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert r.out.endswith(f"committed {head[:7]}\n")
    assert subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True).stdout == ""


def test_symlink_out_of_repo_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text('image: ghcr.io/acme/app:1.0.0 # {"$imagepolicy": "flux-system:podinfo"}\n')
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo)
    os.symlink(outside, repo / "apps" / "evil.yaml")
    os.symlink("podinfo/deployment.yaml", repo / "apps" / "alias.yaml")  # inside the repo: fine
    r = invoke("update", str(repo / "flux-system"), "--repo-root", str(repo), "--tags-file", str(repo / "tags.yaml"))
    assert r.code == 0, r.err
    assert outside.read_text().count("1.0.0") == 1
    assert "outside the repository" in r.out
    assert os.path.islink(repo / "apps" / "alias.yaml")
    assert b"6.10.1" in (repo / "apps/podinfo/deployment.yaml").read_bytes()


def test_template_error_writes_nothing(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo)
    f = repo / "flux-system/image-automation.yaml"
    f.write_text(f.read_text().replace("{{ range .Changed.Changes -}}", "{{ range .Updated.Images -}}"))
    before = (repo / "apps/podinfo/deployment.yaml").read_bytes()
    r = invoke("update", str(repo / "flux-system"), "--repo-root", str(repo), "--tags-file", str(repo / "tags.yaml"))
    assert r.code == 1
    assert "removed field .Updated" in r.out
    assert (repo / "apps/podinfo/deployment.yaml").read_bytes() == before



def test_simulate_fails_when_an_automation_preview_fails(tmp_path: Path) -> None:
    """A commit template Flux would refuse is a failure of simulate too, not only of update."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", repo)
    f = repo / "flux-system/image-automation.yaml"
    f.write_text(f.read_text().replace("{{ range .Changed.Changes -}}", "{{ range .Updated.Images -}}"))
    r = invoke("simulate", str(repo), "--tags-file", str(repo / "tags.yaml"))
    assert r.code == 1, r.out
    assert "removed field .Updated" in r.out
    ok = invoke("simulate", str(ROOT / "examples"), "--tags-file", str(ROOT / "examples/tags.yaml"))
    assert ok.code == 0, ok.out

FLUX_GOLDEN_UPDATE = """---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata:
  name: flux-system
  namespace: flux-system
spec:
  git:
    checkout:
      ref:
        branch: main
    commit:
      author:
        email: flux@example.com
        name: flux
  interval: 1m0s
  sourceRef:
    kind: GitRepository
    name: flux-system
"""


def test_create_update_matches_flux_golden() -> None:
    r = invoke("create", "image", "update", "flux-system", "--git-repo-ref", "flux-system", "--checkout-branch",
                "main", "--author-name", "flux", "--author-email", "flux@example.com", "--export")
    assert r.code == 0, r.err
    assert r.out == FLUX_GOLDEN_UPDATE


def test_create_article_examples() -> None:
    """The article's three objects (v1beta1): same content; Flux's CLI prints keys sorted."""
    import yaml

    r = invoke("create", "image", "policy", "test-website-policy", "--namespace=testing", "--image-ref=test-website",
                "--select-semver=>=1.0.0", r"--filter-regex=^v(?P<ver>(\d+\.)?(\d+\.)?(\*|\d+))-[a-fA-F0-9]+.*-testing",
                "--filter-extract=$ver", "--export", "--api-version", "v1beta1")
    assert r.code == 0, r.err
    assert yaml.safe_load(r.out) == {
        "apiVersion": "image.toolkit.fluxcd.io/v1beta1", "kind": "ImagePolicy",
        "metadata": {"name": "test-website-policy", "namespace": "testing"},
        "spec": {"imageRepositoryRef": {"name": "test-website"},
                 "filterTags": {"pattern": r"^v(?P<ver>(\d+\.)?(\d+\.)?(\*|\d+))-[a-fA-F0-9]+.*-testing", "extract": "$ver"},
                 "policy": {"semver": {"range": ">=1.0.0"}}}}
    assert "      range: '>=1.0.0'\n" in r.out
    r = invoke("create", "image", "repository", "test-website", "--namespace=testing",
                "--image=12345678.dckr.ecr.us-west-2.amazonaws.com/test-website", "--interval=1m0s",
                "--secret-ref=imagerepo-credentials", "--export", "--api-version", "v1beta1")
    assert r.out == """---
apiVersion: image.toolkit.fluxcd.io/v1beta1
kind: ImageRepository
metadata:
  name: test-website
  namespace: testing
spec:
  image: 12345678.dckr.ecr.us-west-2.amazonaws.com/test-website
  interval: 1m0s
  secretRef:
    name: imagerepo-credentials
"""


@pytest.mark.parametrize("args,msg", [
    (["--select-semver", ">=1", "--select-alpha", "asc"], "exactly one of"),
    (["--select-semver", ">=1 <"], "improper constraint"),
    (["--select-alpha", "asc", "--filter-regex", "(?<=v)1"], "invalid or unsupported Perl syntax"),
    (["--select-alpha", "asc", "--filter-extract", "$v"], "without specifying --filter-regex"),
    (["--select-alpha", "up"], "asc or desc"),
])
def test_create_policy_rejects(args: list, msg: str) -> None:
    r = invoke("create", "image", "policy", "p", "--image-ref", "r", *args, "--export")
    assert r.code == 2 and r.out == "" and msg in r.err


def test_create_append_to_keeps_documents(tmp_path: Path) -> None:
    f = tmp_path / "deploy.yaml"
    f.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    r = invoke("create", "image", "repository", "app", "--image", "ghcr.io/a/b", "--append-to", str(f))
    assert r.code == 0, r.err
    assert f.read_text().startswith("apiVersion: v1\nkind: ConfigMap") and "kind: ImageRepository" in f.read_text()


def test_create_article_automation_content() -> None:
    import yaml

    r = invoke("create", "image", "update", "test-website", "--namespace=testing", "--git-repo-ref=deployments-repo",
                "--git-repo-path=./${CUSTOMER_NAME}/${PROJECT_NAME}/${ENVIRONMENT_NAME}/tenants/testing",
                "--checkout-branch=master", "--push-branch=master", "--author-name=fluxcdbot",
                "--author-email=fluxcdbot@fauzislami.com", "--commit-template={{range .Updated.Images}}{{println .}}{{end}}",
                "--interval=1m0s", "--export", "--api-version", "v1beta1")
    assert r.code == 0, r.err
    article = """apiVersion: image.toolkit.fluxcd.io/v1beta1
kind: ImageUpdateAutomation
metadata:
  name: test-website
  namespace: testing
spec:
  interval: 1m0s
  sourceRef:
    kind: GitRepository
    name: deployments-repo
  git:
    checkout:
      ref:
        branch: master
    commit:
      author:
        email: fluxcdbot@fauzislami.com
        name: fluxcdbot
      messageTemplate: "{{range .Updated.Images}}{{println .}}{{end}}"
    push:
      branch: master
  update:
    path: ./${CUSTOMER_NAME}/${PROJECT_NAME}/${ENVIRONMENT_NAME}/tenants/testing
    strategy: Setters
"""
    assert yaml.safe_load(r.out) == yaml.safe_load(article)
    assert r.out.startswith("---\napiVersion: image.toolkit.fluxcd.io/v1beta1\nkind: ImageUpdateAutomation\n")
    assert "      messageTemplate: '{{range .Updated.Images}}{{println .}}{{end}}'\n" in r.out


def test_quick_start_first_block_commands() -> None:
    """The README's first block, minus the install: validate is clean, simulate shows winner and diff."""
    import re

    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start\n\n```sh\n(.*?)\n```", readme, re.S).group(1)
    cmds = [c.strip() for c in block.split("&&")[1:]]
    assert cmds[0] == "kubectl-imagewatch validate examples/"  # runs on a machine without kubectl
    for c in cmds:
        args = c.split()[2:] if c.startswith("kubectl imagewatch") else c.split()[1:]
        r = invoke(*args)
        assert r.code == 0, (c, r.out, r.err)
        assert "Traceback" not in r.err
    sim = invoke(*cmds[1].split()[1:])
    assert "latest: ghcr.io/stefanprodan/podinfo:6.10.1" in sim.out and "+    newTag: 6.10.1" in sim.out
