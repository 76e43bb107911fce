"""`run` against hostile manifests and failing git servers (file://, smart HTTP with Basic auth,
sshd): no manifest value becomes a git option, credentials never reach messages, logs or disk,
errors keep git's cause, and a watch outlives a failing pass."""
from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator, Optional

import pytest

from tests.conftest import ROOT, run_cli
from tests.integration.gitservers import SSHD, GitHTTP, bare_repo, git
from tests.integration.servers import free_port

pytestmark = pytest.mark.integration
TAGS = str(ROOT / "examples/tags.yaml")
FLUX = ROOT / "examples/flux-system"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = bare_repo(tmp_path / "srv", "fleet.git", ROOT / "examples")
    for b in ("dev", "release-1"):
        git("--git-dir", str(bare), "branch", b, "main")
    return bare


def branches(bare: Path) -> list[str]:
    return git("--git-dir", str(bare), "for-each-ref", "--format=%(refname)").splitlines()


def manifests(tmp_path: Path, url: str = "https://github.com/example/fleet", secret: Optional[dict] = None,
              edit=lambda t: t) -> Path:  # type: ignore[no-untyped-def]
    """The example objects with the GitRepository at url (and a secretRef to `secret`), edited."""
    m = tmp_path / "flux"
    shutil.copytree(FLUX, m)
    f = m / "image-automation.yaml"
    repl = f"url: {url}" + ("\n  secretRef:\n    name: git-auth" if secret is not None else "")
    f.write_text(edit(f.read_text().replace("url: https://github.com/example/fleet", repl)))
    if secret is not None:
        enc = {k: base64.b64encode(v if isinstance(v, bytes) else v.encode()).decode() for k, v in secret.items()}
        (m / "secret.yaml").write_text(json.dumps({"apiVersion": "v1", "kind": "Secret", "data": enc,
                                                   "metadata": {"name": "git-auth", "namespace": "flux-system"}}))
    return m


def with_push(refspec: str) -> object:
    return lambda t: t.replace("    push:\n      branch: main\n", f"    push:\n      branch: main\n      refspec: '{refspec}'\n")


# --- 2: a manifest value never becomes a git option ---------------------------------------------

@pytest.mark.parametrize("refspec,why", [
    ("--mirror", "separators are wrong"),
    ("--receive-pack=touch /tmp/imagewatch-pwned:refs/heads/x", "cannot start with '-'"),
    ("refs/heads/main:--mirror", "cannot start with '-'"),
    ("+refs/heads/main:refs/heads/dev", "never force-pushes"),
    (":refs/heads/dev", "deletes refs/heads/dev"),
    ("refs/heads/*:refs/heads/x", "mismatched number of wildcards"),
])
def test_refspec_never_an_option_nor_forced(remote: Path, tmp_path: Path, refspec: str, why: str) -> None:
    before = (branches(remote), git("--git-dir", str(remote), "rev-parse", "main"))
    m = manifests(tmp_path, edit=with_push(refspec))  # type: ignore[arg-type]
    r = run_cli("run", str(m), "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json")
    assert r.code == 1, r.out + r.err
    a = r.json()["automations"][0]
    assert a["outcome"] == "failed" and why in a["error"], a
    assert (branches(remote), git("--git-dir", str(remote), "rev-parse", "main")) == before  # nothing pushed


def test_validate_reports_bad_refspec_and_branch(tmp_path: Path) -> None:
    m = manifests(tmp_path, edit=lambda t: with_push("--mirror")(t).replace("branch: main\n    commit",  # type: ignore[operator]
                                                                          "branch: -main\n    commit"))
    r = run_cli("validate", str(m), "-o", "json")
    assert r.code == 1, r.out + r.err
    got = [(f["check"], f["message"]) for f in r.json()["findings"] if f["check"] == "IW313"]
    assert len(got) == 2, r.out
    assert any("--mirror" in msg for _, msg in got) and any("'-main'" in msg for _, msg in got)


@pytest.mark.parametrize("url", ["'--upload-pack=touch {pwned}'", "'ext::sh -c touch% {pwned}'",
                                 "'-oProxyCommand=touch {pwned}'", "'ssh://-oProxyCommand=touch% {pwned}/x'"])
def test_hostile_url_runs_nothing(tmp_path: Path, url: str) -> None:
    pwned = tmp_path / "pwned"
    m = manifests(tmp_path, url=url.format(pwned=pwned))
    r = run_cli("run", str(m), "--tags-file", TAGS, "-o", "json")
    assert r.code == 1, r.out + r.err
    assert r.json()["automations"][0]["outcome"] == "failed"
    assert not pwned.exists()


# --- 27, 30: credentials scrubbed, the cause kept -----------------------------------------------

@pytest.fixture
def http(remote: Path) -> Iterator[GitHTTP]:
    srv = GitHTTP(remote.parent, "alice:pw")
    yield srv
    srv.stop()


def test_wrong_password_says_so_without_the_password(http: GitHTTP, tmp_path: Path) -> None:
    url = http.url("fleet.git")
    m = manifests(tmp_path, url, {"username": "alice", "password": "nope-123-XYZZY"})
    r = run_cli("run", str(m), "--tags-file", TAGS, "-o", "json", "--log-format", "json")
    assert r.code == 1
    err = r.json()["automations"][0]["error"]
    assert err.startswith(f"authentication failed for {url}: the server refused the credentials"), err
    assert "nope-123-XYZZY" not in r.out + r.err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_credentials_in_url_never_printed(http: GitHTTP, remote: Path, tmp_path: Path, fmt: str) -> None:
    bad = http.url("fleet.git").replace("http://", "http://alice:S3cretPassw0rd-XYZZY-URL@")
    m = manifests(tmp_path / "bad", bad)
    r = run_cli("run", str(m), "--tags-file", TAGS, "-o", fmt, "--log-format", fmt)
    assert r.code == 1
    assert "S3cretPassw0rd" not in r.out + r.err
    assert f"authentication failed for {http.url('fleet.git')}" in r.out + r.err
    good = http.url("fleet.git").replace("http://", "http://alice:pw@")
    r = run_cli("run", str(manifests(tmp_path / "good", good)), "--tags-file", TAGS, "-o", "json")
    assert r.code == 0, r.out + r.err
    assert r.json()["automations"][0]["outcome"] == "pushed"
    assert any("auth=True" in x for x in http.requests)
    assert ":pw@" not in r.out + r.err


def test_git_error_keeps_its_cause(tmp_path: Path) -> None:
    r = run_cli("run", str(FLUX), "--tags-file", TAGS, "--git-url", f"file://{tmp_path}/missing.git", "-o", "json")
    assert r.code == 1
    err = r.json()["automations"][0]["error"]
    assert "does not appear to be a git repository" in err and "Could not read from remote repository" in err, err
    assert err.endswith("(check the GitRepository's spec.url, or --git-url)")


# --- 4: no credential file outlives a failed clone, fetch or push -------------------------------

def leftovers(tmp: Path) -> list[str]:
    return sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*"))


def reject_pushes(bare: Path) -> None:
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'denied by policy' >&2\nexit 1\n")
    hook.chmod(0o755)


@pytest.mark.parametrize("case", ["wrong-known-hosts", "host-down", "push-rejected"])
def test_no_ssh_key_left_on_disk(remote: Path, tmp_path: Path, case: str) -> None:
    sshd = SSHD(tmp_path)
    try:
        url = sshd.url(remote)
        kh = sshd.known_hosts
        if case == "wrong-known-hosts":
            kh = b"[127.0.0.1]:1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
        elif case == "host-down":
            url = f"ssh://git@127.0.0.1:{free_port()}/fleet.git"
        else:
            reject_pushes(remote)
        m = manifests(tmp_path, url, {"identity": sshd.identity, "known_hosts": kh})
        tmp = tmp_path / "tmp"
        tmp.mkdir()
        r = run_cli("run", str(m), "--tags-file", TAGS, "-o", "json", env={"TMPDIR": str(tmp)})
        assert r.code == 1, r.out + r.err
        err = r.json()["automations"][0]["error"]
        assert {"wrong-known-hosts": "host key verification failed", "host-down": "Connection refused",
                "push-rejected": "denied by policy"}[case] in err, err
        assert leftovers(tmp) == []
    finally:
        sshd.stop()


@pytest.mark.parametrize("case", ["wrong-password", "push-rejected"])
def test_nothing_left_after_http_failure(http: GitHTTP, remote: Path, tmp_path: Path, case: str) -> None:
    password = "pw"
    if case == "wrong-password":
        password = "wrong"
    else:
        reject_pushes(remote)
    m = manifests(tmp_path, http.url("fleet.git"), {"username": "alice", "password": password})
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    r = run_cli("run", str(m), "--tags-file", TAGS, "-o", "json", env={"TMPDIR": str(tmp)})
    assert r.code == 1, r.out + r.err
    assert leftovers(tmp) == []


class Tarpit:
    """A TCP server that accepts and never answers: ssh waits for the banner until killed."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns: list = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def stop(self) -> None:
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.mark.parametrize("mode", ["--once", "--watch"])
def test_sigterm_during_a_clone_removes_the_key(tmp_path: Path, mode: str) -> None:
    pit = Tarpit()
    key = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    m = manifests(tmp_path, f"ssh://git@127.0.0.1:{pit.port}/fleet.git", {"identity": key.read_bytes()})
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp), NO_COLOR="1")
    p = subprocess.Popen([sys.executable, "-m", "kubectl_imagewatch", "run", str(m), "--tags-file", TAGS, mode],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp.rglob("identity")) and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.05)
        assert list(tmp.rglob("identity")), "the clone never started"
        time.sleep(0.3)  # ssh is connected and waiting
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        assert helpers(pit.port) == []  # while the server still holds the connection open
    finally:
        if p.poll() is None:
            p.kill()
        pit.stop()
    assert p.returncode == (0 if mode == "--watch" else 130), err
    assert leftovers(tmp) == []


def helpers(port: int) -> list[str]:
    """git's ssh helpers still talking to `port`."""
    p = subprocess.run(["pgrep", "-af", "--", f"-p {port} "], capture_output=True, text=True)
    return [ln for ln in p.stdout.splitlines() if "ssh" in ln]


def test_spec_timeout_bounds_every_git_operation(tmp_path: Path) -> None:
    """GitRepository spec.timeout (as Flux): a server that never answers fails the run, and git's
    ssh helper goes with it."""
    pit = Tarpit()
    key = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    m = manifests(tmp_path, f"ssh://git@127.0.0.1:{pit.port}/fleet.git", {"identity": key.read_bytes()},
                  edit=lambda t: t.replace("  interval: 1m\n", "  interval: 1m\n  timeout: 2s\n"))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    t = time.monotonic()
    try:
        r = run_cli("run", str(m), "--tags-file", TAGS, "-o", "json", env={"TMPDIR": str(tmp)})
        assert helpers(pit.port) == []  # while the server still holds the connection open
    finally:
        pit.stop()
    assert r.code == 1 and time.monotonic() - t < 30
    assert "git fetch timed out after 2s" in r.json()["automations"][0]["error"]
    assert leftovers(tmp) == []


# --- 6: a watch outlives a failing pass ---------------------------------------------------------

def test_watch_survives_failing_passes(remote: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture) -> None:
    from kubectl_imagewatch import api
    from kubectl_imagewatch.controller import runner

    real = api.tag_provider
    calls = []

    def flaky(*a, **k):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("could not convert string to float: 'abc'")  # a hostile registry, before the fix
        if len(calls) == 2:
            from kubectl_imagewatch.errors import InputError

            raise InputError("tags file: unreadable")
        return real(*a, **k)

    monkeypatch.setattr(api, "tag_provider", flaky)
    monkeypatch.setattr(runner, "BACKOFF_START", 0.01)
    monkeypatch.setattr(runner, "_period", lambda objs: 0.05)
    reports: list = []
    opts = runner.Options(paths=[str(FLUX)], tags_file=TAGS, git_urls={"*": f"file://{remote}"}, watch=True,
                          log_format="json", max_cycles=3)
    code = runner.run(opts, reports.append)
    assert code == 0
    assert [r["automations"][0]["outcome"] for r in reports] == ["pushed"]
    failed = [json.loads(x) for x in capsys.readouterr().err.splitlines() if '"cycle failed"' in x]
    assert [(f["level"], f["failures"]) for f in failed] == [("error", 1), ("error", 2)]
    assert failed[0]["error"] == "internal error: ValueError: could not convert string to float: 'abc'"
    assert failed[1]["error"] == "tags file: unreadable"


def test_backoff_is_bounded() -> None:
    from kubectl_imagewatch.controller import runner

    waits = [runner.backoff(n, 3600) for n in range(1, 200)]
    assert waits[0] == runner.BACKOFF_START and max(waits) == runner.BACKOFF_MAX
    assert waits == sorted(waits)
    assert runner.backoff(50, 10.0) == 10.0  # never longer than the objects' own interval


@pytest.mark.parametrize("data,why", [
    ('"not-a-mapping"', "is malformed"),
    ('{"identity": 5}', "is malformed"),
    ('{"username": "/w==", "password": "cA=="}', "username is not UTF-8 text"),
])
def test_malformed_git_secret_is_a_clean_failure(tmp_path: Path, data: str, why: str) -> None:
    m = manifests(tmp_path, "http://127.0.0.1:1/fleet.git", {})
    (m / "secret.yaml").write_text('{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "git-auth", '
                                   f'"namespace": "flux-system"}}, "data": {data}}}')
    r = run_cli("run", str(m), "--tags-file", TAGS, "-o", "json")
    assert r.code == 1, r.out + r.err
    assert why in r.json()["automations"][0]["error"]


def test_nothing_left_after_a_signing_failure(remote: Path, tmp_path: Path) -> None:
    m = manifests(tmp_path, edit=lambda t: t.replace(
        "        name: fluxcdbot\n", "        name: fluxcdbot\n      signingKey:\n        secretRef:\n          name: signing\n"))
    (m / "signing.yaml").write_text(json.dumps({"apiVersion": "v1", "kind": "Secret",
                                                "metadata": {"name": "signing", "namespace": "flux-system"},
                                                "stringData": {"git.asc": "not a key", "passphrase": "s3cret-XYZZY"}}))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    r = run_cli("run", str(m), "--tags-file", TAGS, "--git-url", f"file://{remote}", "-o", "json",
                env={"TMPDIR": str(tmp)})
    assert r.code == 1, r.out + r.err
    assert "signing key" in r.json()["automations"][0]["error"]
    assert "s3cret-XYZZY" not in r.out + r.err
    assert leftovers(tmp) == []
