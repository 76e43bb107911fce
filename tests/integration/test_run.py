"""`run` against real git remotes (file://, git daemon, smart HTTP with auth, ssh) and, with
--from-cluster, a Kubernetes API emulator over real HTTP (kmock) driven by the real client and kubectl."""
from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.integration.gitservers import SSHD, GitDaemon, GitHTTP, bare_repo, git

pytestmark = pytest.mark.integration
TAGS = str(ROOT / "examples/tags.yaml")
FLUX = str(ROOT / "examples/flux-system")


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return bare_repo(tmp_path / "srv", "fleet.git", ROOT / "examples")


def head(bare: Path, branch: str = "main") -> tuple[str, str, str]:
    out = git("--git-dir", str(bare), "log", "-1", "--format=%H%n%an <%ae>%n%B", branch)
    sha, author, msg = out.split("\n", 2)
    return sha, author, msg


def show(bare: Path, path: str, branch: str = "main") -> str:
    return git("--git-dir", str(bare), "show", f"{branch}:{path}")


def test_file_remote_full_loop_then_nothing_to_do(remote: Path) -> None:
    before = head(remote)[0]
    r = run_cli("run", FLUX, "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 0, r.err
    a = r.json()["automations"][0]
    assert a["outcome"] == "pushed" and a["branch"] == "main"
    sha, author, msg = head(remote)
    assert sha == a["commit"] and sha != before
    assert author == "fluxcdbot <fluxcdbot@example.com>"
    assert msg.startswith("Update images\n\n- ghcr.io/stefanprodan/podinfo:6.5.0 -> ghcr.io/stefanprodan/podinfo:6.10.1")
    assert "image: ghcr.io/stefanprodan/podinfo:6.10.1 # {" in show(remote, "apps/podinfo/deployment.yaml")
    assert git("--git-dir", str(remote), "rev-parse", "main~1") == before
    r = run_cli("run", FLUX, "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 0 and r.json()["automations"][0]["outcome"] == "no-changes"
    assert head(remote)[0] == sha


def test_dry_run_pushes_nothing(remote: Path) -> None:
    before = head(remote)[0]
    r = run_cli("run", FLUX, "--tags-file", TAGS, "--git-url", f"file://{remote}", "--dry-run")
    assert r.code == 0, r.err
    assert "dry-run" in r.out and "+          image: ghcr.io/stefanprodan/podinfo:6.10.1" in r.out
    assert head(remote)[0] == before


def test_git_daemon(remote: Path) -> None:
    d = GitDaemon(remote.parent)
    try:
        r = run_cli("run", FLUX, "--tags-file", TAGS, "--git-url", d.url("fleet.git"), "-o", "json")
        assert r.code == 0, r.err
        assert r.json()["automations"][0]["outcome"] == "pushed"
        assert "6.10.1" in show(remote, "apps/podinfo/kustomization.yaml")
    finally:
        d.stop()


def _with_git_secret(tmp_path: Path, url: str, data: dict) -> Path:
    """The example objects plus a GitRepository pointing at url with a secretRef."""
    m = tmp_path / "flux"
    shutil.copytree(ROOT / "examples/flux-system", m)
    f = m / "image-automation.yaml"
    f.write_text(f.read_text().replace("url: https://github.com/example/fleet",
                                       f"url: {url}\n  secretRef:\n    name: git-auth"))
    enc = {k: base64.b64encode(v if isinstance(v, bytes) else v.encode()).decode() for k, v in data.items()}
    (m / "secret.yaml").write_text(json.dumps({"apiVersion": "v1", "kind": "Secret",
                                               "metadata": {"name": "git-auth", "namespace": "flux-system"},
                                               "data": enc}))
    return m


def test_smart_http_basic_auth_and_failure(remote: Path, tmp_path: Path) -> None:
    srv = GitHTTP(remote.parent, "alice:pw")
    try:
        bad = _with_git_secret(tmp_path / "bad", srv.url("fleet.git"), {"username": "alice", "password": "nope-123"})
        before = head(remote)[0]
        r = run_cli("run", str(bad), "--tags-file", TAGS, "-o", "json")
        assert r.code == 1
        a = r.json()["automations"][0]
        assert a["outcome"] == "failed" and "authentication failed" in a["error"]
        assert "nope-123" not in r.out + r.err
        assert head(remote)[0] == before
        good = _with_git_secret(tmp_path / "good", srv.url("fleet.git"), {"username": "alice", "password": "pw"})
        r = run_cli("run", str(good), "--tags-file", TAGS, "-o", "json")
        assert r.code == 0, r.out + r.err
        assert r.json()["automations"][0]["outcome"] == "pushed"
        assert head(remote)[0] != before
        assert any("auth=True" in x for x in srv.requests)
    finally:
        srv.stop()


def test_ssh_identity_and_known_hosts(remote: Path, tmp_path: Path) -> None:
    sshd = SSHD(tmp_path)
    try:
        wrong = _with_git_secret(tmp_path / "w", sshd.url(remote),
                                 {"identity": sshd.identity, "known_hosts": b"[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"})
        r = run_cli("run", str(wrong), "--tags-file", TAGS, "-o", "json")
        assert r.code == 1 and "failed" == r.json()["automations"][0]["outcome"]
        ok = _with_git_secret(tmp_path / "ok", sshd.url(remote), {"identity": sshd.identity,
                                                                 "known_hosts": sshd.known_hosts})
        r = run_cli("run", str(ok), "--tags-file", TAGS, "-o", "json")
        assert r.code == 0, r.out + r.err
        assert r.json()["automations"][0]["outcome"] == "pushed"
        assert "6.10.1" in show(remote, "apps/podinfo/deployment.yaml")
    finally:
        sshd.stop()


def test_push_rejected_then_retried_on_new_head(remote: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kubectl_imagewatch import api
    from kubectl_imagewatch.automation import loop as automation, git as gitops
    from kubectl_imagewatch.manifests import inventory
    from kubectl_imagewatch.reflector import simulate

    other = tmp_path / "other"
    git("clone", "-q", str(remote), str(other))
    (other / "README").write_text("someone else\n")
    git("add", "-A", cwd=other)
    git("commit", "-qm", "concurrent change", cwd=other)
    real_push = gitops.push
    calls = []

    def racing_push(g, branch, refspec=None, options=None):  # type: ignore[no-untyped-def]
        calls.append(branch)
        if len(calls) == 1:
            git("push", "-q", "origin", "HEAD:main", cwd=other)  # the remote moves under us
        return real_push(g, branch, refspec, options)

    monkeypatch.setattr(gitops, "push", racing_push)
    inv = inventory.build([FLUX])
    results = simulate.run(inv, api.tag_provider(TAGS))
    runs = automation.run_once(inv, results, automation.RunOptions(git_urls={"*": f"file://{remote}"}))
    assert runs[0].outcome == "pushed" and runs[0].attempts == 2, runs[0].error
    log = git("--git-dir", str(remote), "log", "--format=%s", "main").splitlines()
    assert log[:3] == ["Update images", "concurrent change", "initial"]
    assert show(remote, "README") == "someone else"


def test_rejection_exhausted_leaves_remote_untouched(remote: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kubectl_imagewatch import api
    from kubectl_imagewatch.automation import loop as automation, git as gitops
    from kubectl_imagewatch.manifests import inventory
    from kubectl_imagewatch.reflector import simulate

    def always_rejected(g, branch, refspec=None, options=None):  # type: ignore[no-untyped-def]
        raise gitops.PushRejected("push rejected")

    monkeypatch.setattr(gitops, "push", always_rejected)
    before = head(remote)[0]
    inv = inventory.build([FLUX])
    results = simulate.run(inv, api.tag_provider(TAGS))
    runs = automation.run_once(inv, results, automation.RunOptions(git_urls={"*": f"file://{remote}"}))
    assert runs[0].outcome == "failed" and "gave up after 3 attempts" in runs[0].error
    assert head(remote)[0] == before


def test_suspended_objects_are_skipped(remote: Path, tmp_path: Path) -> None:
    m = tmp_path / "flux"
    shutil.copytree(ROOT / "examples/flux-system", m)
    f = m / "image-automation.yaml"
    f.write_text(f.read_text().replace("  interval: 30m\n", "  interval: 30m\n  suspend: true\n"))
    before = head(remote)[0]
    r = run_cli("run", str(m), "--tags-file", TAGS, "--git-url", f"file://{remote}")
    assert r.code == 0, r.err
    assert "suspended, skipped: flux-system/apps" in r.out
    assert head(remote)[0] == before


def test_two_automations_one_repository_and_push_branch(remote: Path, tmp_path: Path) -> None:
    m = tmp_path / "flux"
    shutil.copytree(ROOT / "examples/flux-system", m)
    text = (m / "image-automation.yaml").read_text()
    auto = text.split("---\n")[2]
    second = (auto.replace("name: apps", "name: kustomize").replace("path: ./apps", "path: ./apps/podinfo/kustomization.yaml")
              .replace("    push:\n      branch: main", "    push:\n      branch: image-updates"))
    first = auto.replace("path: ./apps", "path: ./apps/podinfo/deployment.yaml")
    parts = text.split("---\n")
    parts[2] = first
    (m / "image-automation.yaml").write_text("---\n".join(parts) + "---\n" + second)
    r = run_cli("run", str(m), "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 0, r.out + r.err
    outcomes = {a["automation"]: (a["outcome"], a["branch"]) for a in r.json()["automations"]}
    assert outcomes == {"flux-system/apps": ("pushed", "main"), "flux-system/kustomize": ("pushed", "image-updates")}
    assert "6.10.1" in show(remote, "apps/podinfo/deployment.yaml", "main")
    assert "newTag: 6.5.0" in show(remote, "apps/podinfo/kustomization.yaml", "main")
    assert "newTag: 6.10.1" in show(remote, "apps/podinfo/kustomization.yaml", "image-updates")
    # each automation clones afresh: the push branch starts at the checkout branch's head (after the first push)
    assert git("--git-dir", str(remote), "rev-parse", "image-updates~1") == git("--git-dir", str(remote), "rev-parse", "main")


# --- cluster -----------------------------------------------------------------------------------

@pytest.fixture
def kube(tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.conftest import need

    try:
        import kmock  # noqa: F401
    except ImportError:
        need("kmock", False, "pip install kmock")
    from tests.integration import kube as k

    box = k.start(tmp_path)
    yield box
    k.stop(box)


def _objects(remote: Path) -> list[dict]:
    import yaml

    docs = list(yaml.safe_load_all((ROOT / "examples/flux-system/image-automation.yaml").read_text()))
    for d in docs:
        if d["kind"] == "GitRepository":
            d["spec"]["url"] = f"file://{remote}"
    return docs


def _client(box: dict):  # type: ignore[no-untyped-def]
    from kubernetes import config

    return config.new_client_from_config(config_file=box["kubeconfig"])


def _seed(kube: dict, remote: Path):  # type: ignore[no-untyped-def]
    """The example's Flux objects created in the emulated cluster; the client that made them."""
    from kubernetes import client as k8s

    api = k8s.CustomObjectsApi(_client(kube))
    plural = {"ImageRepository": "imagerepositories", "ImagePolicy": "imagepolicies",
              "ImageUpdateAutomation": "imageupdateautomations", "GitRepository": "gitrepositories"}
    for d in _objects(remote):
        g, _, v = d["apiVersion"].partition("/")
        api.create_namespaced_custom_object(g, v, "flux-system", plural[d["kind"]], d)
    return api


def test_from_cluster_with_status_write_back(remote: Path, kube: dict) -> None:
    api = _seed(kube, remote)
    r = run_cli("run", "--from-cluster", "--kubeconfig", kube["kubeconfig"], "--tags-file", TAGS,
                "--write-status", "-o", "json")
    assert r.code == 0, r.out + r.err
    a = r.json()["automations"][0]
    assert a["outcome"] == "pushed"
    assert head(remote)[0] == a["commit"]
    pol = api.get_namespaced_custom_object("image.toolkit.fluxcd.io", "v1", "flux-system", "imagepolicies", "podinfo")
    assert pol["status"]["latestRef"] == {"name": "ghcr.io/stefanprodan/podinfo", "tag": "6.10.1"}
    assert pol["status"]["conditions"][0]["reason"] == "Succeeded"
    iua = api.get_namespaced_custom_object("image.toolkit.fluxcd.io", "v1", "flux-system", "imageupdateautomations", "apps")
    assert iua["status"]["lastPushCommit"] == a["commit"]
    assert iua["status"]["observedPolicies"] == {"podinfo": {"name": "ghcr.io/stefanprodan/podinfo", "tag": "6.10.1"}}
    repo = api.get_namespaced_custom_object("image.toolkit.fluxcd.io", "v1", "flux-system", "imagerepositories", "podinfo")
    assert repo["status"]["lastScanResult"]["tagCount"] == 8  # after the default exclusionList (.sig)
    assert repo["status"]["lastScanResult"]["latestTags"][0] == "v6.9.0"
    emu = kube["emu"]
    status_patches = [req for req in list(emu) if req.method == "PATCH" and req.subresource == "status"]
    assert len(status_patches) == 3
    events = [req for req in list(emu) if req.method == "POST" and req.resource and req.resource.plural == "events"]
    assert any("pushed commit" in json.dumps(e.data) for e in events)


def test_from_cluster_without_write_status_only_reads(remote: Path, kube: dict) -> None:
    """Without --write-status the cluster is read-only: no create, patch, update or delete reaches it."""
    api = _seed(kube, remote)
    seen = len(list(kube["emu"]))
    r = run_cli("run", "--from-cluster", "--kubeconfig", kube["kubeconfig"], "--tags-file", TAGS, "-o", "json")
    assert r.code == 0, r.out + r.err
    assert r.json()["automations"][0]["outcome"] == "pushed"
    writes = [(q.method, str(q.resource)) for q in list(kube["emu"])[seen:]
              if q.method in ("POST", "PUT", "PATCH", "DELETE")]
    assert writes == []


def test_kubectl_created_objects_then_dry_run(remote: Path, kube: dict, tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed (not in Debian's main archive at a usable version)")
    f = tmp_path / "objs.yaml"
    import yaml

    f.write_text(yaml.safe_dump_all(_objects(remote)))
    p = subprocess.run([kubectl, "--kubeconfig", kube["kubeconfig"], "create", "--validate=false", "-f", str(f)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([kubectl, "--kubeconfig", kube["kubeconfig"], "get", "imagepolicies", "-o", "name"],
                       capture_output=True, text=True, timeout=60)
    assert "podinfo" in p.stdout
    before = head(remote)[0]
    r = run_cli("run", "--from-cluster", "--kubeconfig", kube["kubeconfig"], "-n", "flux-system", "--tags-file", TAGS,
                "--dry-run")
    assert r.code == 0, r.out + r.err
    assert "dry-run" in r.out and head(remote)[0] == before


def test_watch_loop_metrics_and_leader_election(remote: Path, kube: dict) -> None:
    import urllib.request

    from kubectl_imagewatch.controller import runner
    from tests.integration.servers import free_port

    reports: list = []
    port = free_port()
    stop = threading.Event()
    opts = runner.Options(paths=[FLUX], tags_file=TAGS, git_urls={"*": f"file://{remote}"}, watch=True,
                          metrics_addr=f"127.0.0.1:{port}", leader_elect=True, kubeconfig=kube["kubeconfig"],
                          lease_namespace="flux-system", max_cycles=2)
    seen = {}

    def out(rep: dict) -> None:
        reports.append(rep)
        if len(reports) == 1:
            seen["metrics"] = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()

    import kubectl_imagewatch.controller.runner as rmod

    orig = rmod._period
    rmod._period = lambda objs: 0.05  # type: ignore[assignment]
    try:
        code = runner.run(opts, out, stop)
    finally:
        rmod._period = orig  # type: ignore[assignment]
    assert code == 0
    assert [r["automations"][0]["outcome"] for r in reports] == ["pushed", "no-changes"]
    assert 'imagewatch_automation_runs_total{outcome="pushed"} 1' in seen["metrics"]
    from kubectl_imagewatch.controller.cluster import Cluster

    c = Cluster(kube["kubeconfig"])
    assert c.acquire_lease("flux-system", "kubectl-imagewatch", "someone-else") is False  # held, not expired


def test_create_without_export_applies_to_cluster(kube: dict) -> None:
    from kubernetes import client as k8s

    r = run_cli("create", "image", "policy", "podinfo", "--image-ref", "podinfo", "--select-semver", ">=1.0.0",
                "--kubeconfig", kube["kubeconfig"])
    assert r.code == 0, r.err
    assert "ImagePolicy flux-system/podinfo created" in r.out
    api = k8s.CustomObjectsApi(_client(kube))
    got = api.get_namespaced_custom_object("image.toolkit.fluxcd.io", "v1", "flux-system", "imagepolicies", "podinfo")
    assert got["spec"] == {"imageRepositoryRef": {"name": "podinfo"}, "policy": {"semver": {"range": ">=1.0.0"}}}
    r = run_cli("create", "image", "policy", "podinfo", "--image-ref", "podinfo", "--select-semver", ">=2.0.0",
                "--kubeconfig", kube["kubeconfig"])
    assert r.code == 0 and "configured" in r.out
    got = api.get_namespaced_custom_object("image.toolkit.fluxcd.io", "v1", "flux-system", "imagepolicies", "podinfo")
    assert got["spec"]["policy"]["semver"]["range"] == ">=2.0.0"
    patches = [q for q in list(kube["emu"]) if q.method == "PATCH"]
    assert patches  # server-side apply was attempted first


def _objects_with(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    m = tmp_path / "flux"
    shutil.copytree(ROOT / "examples/flux-system", m)
    f = m / "image-automation.yaml"
    f.write_text(edit(f.read_text()))
    return m


def test_refspec_and_push_options(remote: Path, tmp_path: Path) -> None:
    git("--git-dir", str(remote), "config", "receive.advertisePushOptions", "true")
    hook = remote / "hooks" / "post-receive"
    log = tmp_path / "options.log"
    hook.write_text(f"#!/bin/sh\nenv | grep '^GIT_PUSH_OPTION_[0-9]' | sort >> {log}\n")
    hook.chmod(0o755)
    m = _objects_with(tmp_path, lambda t: t.replace(
        "    push:\n      branch: main\n",
        "    push:\n      branch: main\n      refspec: refs/heads/main:refs/heads/auto-pr\n"
        "      options:\n        merge_request.create: \"\"\n        ci.skip: \"\"\n"))
    r = run_cli("run", str(m), "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 0, r.out + r.err
    assert git("--git-dir", str(remote), "rev-parse", "auto-pr") == git("--git-dir", str(remote), "rev-parse", "main")
    assert "GIT_PUSH_OPTION_0=ci.skip" in log.read_text() and "merge_request.create" in log.read_text()


def test_checkout_tag_and_semver_need_push_branch(remote: Path, tmp_path: Path) -> None:
    work = tmp_path / "w"
    git("clone", "-q", str(remote), str(work))
    git("tag", "v1.0.0", cwd=work)
    (work / "note").write_text("x")
    git("add", "-A", cwd=work)
    git("commit", "-qm", "later", cwd=work)
    git("tag", "v1.2.0", cwd=work)
    git("push", "-q", "--tags", "origin", "HEAD:main", cwd=work)
    no_push = _objects_with(tmp_path / "a", lambda t: t.replace("branch: main\n    commit", "tag: v1.0.0\n    commit")
                            .replace("    push:\n      branch: main\n", ""))
    r = run_cli("run", str(no_push), "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 1 and "push spec not provided" in r.json()["automations"][0]["error"]
    semver = _objects_with(tmp_path / "b", lambda t: t.replace("branch: main\n    commit", "semver: '>=1.0.0 <2.0.0'\n    commit")
                           .replace("    push:\n      branch: main\n", "    push:\n      branch: from-semver\n"))
    r = run_cli("run", str(semver), "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 0, r.out + r.err
    assert git("--git-dir", str(remote), "rev-parse", "from-semver~1") == git("--git-dir", str(remote), "rev-parse", "v1.2.0^{commit}")


def agents() -> list[str]:
    p = subprocess.run(["pgrep", "-af", "gpg-agent"], capture_output=True, text=True)
    return p.stdout.splitlines()


@pytest.mark.parametrize("passphrase", ["", "s3cret"], ids=["plain-key", "passphrase"])
def test_signed_commit_gpg(remote: Path, tmp_path: Path, passphrase: str) -> None:
    gpg = shutil.which("gpg")
    from tests.conftest import need

    need("gpg", gpg is not None, "apt-get install gnupg")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = dict(__import__("os").environ, GNUPGHOME=str(home))
    subprocess.run([gpg, "--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase, "--quick-gen-key",
                    "Flux Bot <bot@example.com>", "ed25519", "sign", "never"], check=True, env=env, capture_output=True)
    armored = subprocess.run([gpg, "--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase, "--armor",
                              "--export-secret-keys"], env=env, capture_output=True, check=True).stdout
    m = _objects_with(tmp_path, lambda t: t.replace("        name: fluxcdbot\n",
                                                    "        name: fluxcdbot\n      signingKey:\n        secretRef:\n"
                                                    "          name: signing\n"))
    data = {"git.asc": base64.b64encode(armored).decode()}
    if passphrase:
        data["passphrase"] = base64.b64encode(passphrase.encode()).decode()
    (m / "signing.yaml").write_text(json.dumps({"apiVersion": "v1", "kind": "Secret",
                                                "metadata": {"name": "signing", "namespace": "flux-system"},
                                                "data": data}))
    r = run_cli("run", str(m), "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 0, r.out + r.err
    raw = git("--git-dir", str(remote), "cat-file", "commit", "main")
    assert "-----BEGIN PGP SIGNATURE-----" in raw
    assert not [p for p in agents() if "imagewatch-sign-" in p], "the signing agent outlived the commit"
    v = subprocess.run(["git", "--git-dir", str(remote), "verify-commit", "main"], env=env, capture_output=True, text=True)
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True)
    assert v.returncode == 0, v.stderr
    assert passphrase == "" or passphrase not in r.out + r.err


def test_signed_commit_ssh(remote: Path, tmp_path: Path) -> None:
    key = tmp_path / "sign_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bot@example.com", "-f", str(key)], check=True)
    m = _objects_with(tmp_path, lambda t: t.replace("        name: fluxcdbot\n",
                                                    "        name: fluxcdbot\n      signingKey:\n        type: ssh\n"
                                                    "        secretRef:\n          name: signing\n"))
    (m / "signing.yaml").write_text(json.dumps({"apiVersion": "v1", "kind": "Secret",
                                                "metadata": {"name": "signing", "namespace": "flux-system"},
                                                "data": {"identity": base64.b64encode(key.read_bytes()).decode()}}))
    r = run_cli("run", str(m), "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 0, r.out + r.err
    assert "-----BEGIN SSH SIGNATURE-----" in git("--git-dir", str(remote), "cat-file", "commit", "main")
    allowed = tmp_path / "allowed"
    allowed.write_text("bot@example.com " + " ".join((tmp_path / "sign_key.pub").read_text().split()[:2]) + "\n")
    v = subprocess.run(["git", "--git-dir", str(remote), "-c", f"gpg.ssh.allowedSignersFile={allowed}",
                        "verify-commit", "main"], capture_output=True, text=True)
    assert v.returncode == 0, v.stderr


def test_watch_subprocess_json_logs_and_sigterm(remote: Path) -> None:
    import os
    import signal
    import sys
    import time

    env = dict(os.environ, NO_COLOR="1")
    p = subprocess.Popen([sys.executable, "-m", "kubectl_imagewatch", "run", FLUX, "--tags-file", TAGS, "--git-url",
                          f"file://{remote}", "--watch", "--log-format", "json"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, text=True, cwd=ROOT)
    lines = []
    deadline = time.monotonic() + 60
    assert p.stderr is not None
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        if not line:
            break
        lines.append(json.loads(line))
        if lines[-1]["msg"] == "next pass":
            break
    p.send_signal(signal.SIGTERM)
    rest_out, rest_err = p.communicate(timeout=30)
    assert p.returncode == 0, rest_err
    assert any(x.get("automation") == "flux-system/apps" and x["msg"] == "automation pushed" for x in lines)
    assert all({"ts", "level", "msg"} <= set(x) for x in lines)
    nxt = lines[-1]  # the watch says when it runs again
    assert nxt["msg"] == "next pass" and nxt["in_seconds"] > 0 and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", nxt["at"])
    assert '"msg": "stopping"' in rest_err


def test_checkout_commit_and_name(remote: Path, tmp_path: Path) -> None:
    first = head(remote)[0]
    work = tmp_path / "w"
    git("clone", "-q", str(remote), str(work))
    (work / "note").write_text("x")
    git("add", "-A", cwd=work)
    git("commit", "-qm", "later", cwd=work)
    git("push", "-q", "origin", "HEAD:refs/heads/feature", cwd=work)
    by_commit = _objects_with(tmp_path / "a", lambda t: t.replace("branch: main\n    commit", f"commit: {first}\n    commit")
                              .replace("      branch: main\n  update", "      branch: pinned\n  update"))
    r = run_cli("run", str(by_commit), "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 0, r.out + r.err
    assert git("--git-dir", str(remote), "rev-parse", "pinned~1") == first
    by_name = _objects_with(tmp_path / "b", lambda t: t.replace("branch: main\n    commit", "name: refs/heads/feature\n    commit")
                            .replace("    push:\n      branch: main\n", ""))
    r = run_cli("run", str(by_name), "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 0, r.out + r.err
    assert r.json()["automations"][0]["branch"] == "feature"
    assert git("--git-dir", str(remote), "log", "-1", "--format=%s", "feature") == "Update images"


def test_write_status_refuses_next_to_flux_controllers(remote: Path, kube: dict) -> None:
    from kubernetes import client as k8s

    apps = k8s.AppsV1Api(_client(kube))
    apps.create_namespaced_deployment("flux-system", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "image-automation-controller", "namespace": "flux-system"},
        "spec": {"selector": {"matchLabels": {"app": "iac"}},
                 "template": {"metadata": {"labels": {"app": "iac"}},
                              "spec": {"containers": [{"name": "manager", "image": "ghcr.io/fluxcd/iac:v1.2.1"}]}}}})
    r = run_cli("run", "--from-cluster", "--kubeconfig", kube["kubeconfig"], "--tags-file", TAGS, "--write-status")
    assert r.code == 2
    assert "flux-system/image-automation-controller" in r.err and "--force" in r.err
    before = head(remote)[0]
    assert head(remote)[0] == before


def test_clones_are_shallow_like_flux(remote: Path, tmp_path: Path) -> None:
    from kubectl_imagewatch.automation import git as gitops

    work = tmp_path / "w"
    git("clone", "-q", str(remote), str(work))
    for i in range(3):
        (work / f"f{i}").write_text(str(i))
        git("add", "-A", cwd=work)
        git("commit", "-qm", f"c{i}", cwd=work)
    git("push", "-q", "origin", "HEAD:main", cwd=work)
    g = gitops.clone(f"file://{remote}", str(tmp_path / "c"))
    try:
        assert (tmp_path / "c/.git/shallow").exists()
        assert g.out("rev-list", "--count", "refs/remotes/origin/main") == "1"
        full = gitops.clone(f"file://{remote}", str(tmp_path / "d"), shallow=False)
        assert full.out("rev-list", "--count", "refs/remotes/origin/main") == "4"
    finally:
        g.close()


def test_status_and_events_never_carry_url_credentials(remote: Path, kube: dict) -> None:
    from kubernetes import client as k8s

    api = k8s.CustomObjectsApi(_client(kube))
    plural = {"ImageRepository": "imagerepositories", "ImagePolicy": "imagepolicies",
              "ImageUpdateAutomation": "imageupdateautomations", "GitRepository": "gitrepositories"}
    for d in _objects(remote):
        if d["kind"] == "GitRepository":
            d["spec"]["url"] = "http://bot:S3cret-XYZZY@127.0.0.1:1/fleet.git"
        g, _, v = d["apiVersion"].partition("/")
        api.create_namespaced_custom_object(g, v, "flux-system", plural[d["kind"]], d)
    seen = len(list(kube["emu"]))
    r = run_cli("run", "--from-cluster", "--kubeconfig", kube["kubeconfig"], "--tags-file", TAGS,
                "--write-status", "-o", "json", "--log-format", "json")
    assert r.code == 1, r.out + r.err
    assert "cannot fetch http://127.0.0.1:1/fleet.git" in r.json()["automations"][0]["error"]
    iua = api.get_namespaced_custom_object("image.toolkit.fluxcd.io", "v1", "flux-system", "imageupdateautomations", "apps")
    assert "http://127.0.0.1:1/fleet.git" in iua["status"]["conditions"][0]["message"]
    sent = json.dumps([req.data for req in list(kube["emu"])[seen:] if req.method in ("POST", "PATCH")], default=str)
    assert "GitOperationFailed" in sent
    assert "S3cret" not in sent + r.out + r.err


def _kubeconfig(tmp_path: Path, server: str) -> str:
    kc = tmp_path / "kubeconfig"
    kc.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: x, cluster: {{server: "{server}"}}}}]
contexts: [{{name: x, context: {{cluster: x, user: u, namespace: flux-system}}}}]
current-context: x
users: [{{name: u, user: {{token: t}}}}]
""")
    return str(kc)


@pytest.mark.parametrize("content,why", [
    (None, "list ImageRepository: cannot reach the API server ("),
    ("- 1\n", "no usable kubeconfig"),
    ("clusters: [\n", "no usable kubeconfig"),
])
def test_cluster_failures_are_clean_errors(tmp_path: Path, content: str | None, why: str) -> None:
    from tests.integration.servers import free_port

    kc = _kubeconfig(tmp_path, f"http://127.0.0.1:{free_port()}")
    if content is not None:
        Path(kc).write_text(content)
    r = run_cli("run", "--from-cluster", "--kubeconfig", kc, "--tags-file", TAGS)
    assert r.code == 1, r.err
    assert r.err.startswith(f"error: {why}"), r.err


def test_watch_outlives_an_unreachable_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture) -> None:
    from kubectl_imagewatch.controller import runner
    from tests.integration.servers import free_port

    monkeypatch.setattr(runner, "BACKOFF_START", 0.01)
    opts = runner.Options(from_cluster=True, kubeconfig=_kubeconfig(tmp_path, f"http://127.0.0.1:{free_port()}"),
                          tags_file=TAGS, watch=True, log_format="json", max_cycles=3)
    assert runner.run(opts, lambda rep: None) == 1
    failed = [json.loads(x) for x in capsys.readouterr().err.splitlines() if '"cycle failed"' in x]
    assert [f["failures"] for f in failed] == [1, 2, 3]
    assert all("cannot reach the API server" in f["error"] for f in failed)


def test_simulate_from_cluster_shows_the_tag_flux_has_now(remote: Path, kube: dict) -> None:
    """simulate --from-cluster reads the objects with kubectl's flags and shows status.latestRef beside the
    simulated winner (no update preview: the cluster's automations write to a repository not given)."""
    api = _seed(kube, remote)
    r = run_cli("simulate", "--from-cluster", "--kubeconfig", kube["kubeconfig"], "--tags-file", TAGS)
    assert r.code == 0, r.out + r.err
    assert "  latest: ghcr.io/stefanprodan/podinfo:6.10.1  (semver)\n  in cluster: (none selected yet)\n" in r.out
    api.patch_namespaced_custom_object_status(
        "image.toolkit.fluxcd.io", "v1", "flux-system", "imagepolicies", "podinfo",
        {"status": {"latestRef": {"name": "ghcr.io/stefanprodan/podinfo", "tag": "6.5.4"}}})
    r = run_cli("simulate", "--from-cluster", "--kubeconfig", kube["kubeconfig"], "-n", "flux-system",
                "--tags-file", TAGS)
    assert r.code == 0, r.out + r.err
    assert ("  in cluster: ghcr.io/stefanprodan/podinfo:6.5.4  (Flux has selected this now; the simulation "
            "differs)") in r.out
    assert "ImageUpdateAutomation" not in r.out  # no files to preview
    j = run_cli("simulate", "--from-cluster", "--kubeconfig", kube["kubeconfig"], "-A", "--tags-file", TAGS,
                "-o", "json").json()
    assert j["policies"][0]["inCluster"] == {"image": "ghcr.io/stefanprodan/podinfo:6.5.4"}
    assert j["policies"][0]["result"]["tag"] == "6.10.1"
    empty = run_cli("simulate", "--from-cluster", "--kubeconfig", kube["kubeconfig"], "-n", "apps", "--tags-file", TAGS)
    assert empty.code == 2 and "no ImagePolicy in the cluster" in empty.err
