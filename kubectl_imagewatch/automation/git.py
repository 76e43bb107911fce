"""git through the git CLI: clone a GitRepository's ref, commit as the automation, push safely.

Credentials come from the GitRepository's Secret the way source-controller reads it
(`username`/`password` or `bearerToken` for http(s); `identity` + `known_hosts` for ssh) and reach
git through the environment or 0600 temp files, never through argv or URLs, so they cannot show
up in process lists or error messages. Pushes are never forced; a non-fast-forward rejection is
reported as such so the caller can fetch, re-apply and retry.
"""
from __future__ import annotations

import base64
import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
from typing import Optional

from kubectl_imagewatch.errors import OperationError


class PushRejected(OperationError):
    """The remote moved (non-fast-forward): fetch, re-apply, retry."""


@dataclasses.dataclass
class GitAuth:
    username: Optional[str] = None
    password: Optional[str] = None
    bearer: Optional[str] = None
    identity: Optional[bytes] = None
    known_hosts: Optional[bytes] = None

    def __repr__(self) -> str:
        return "GitAuth(<redacted>)"


def auth_from_secret(secret: Optional[dict]) -> Optional[GitAuth]:
    if not secret:
        return None
    from kubectl_imagewatch.manifests.model import secret_value

    def text(k: str) -> Optional[str]:
        v = secret_value(secret, k)
        return v.decode() if v is not None else None

    return GitAuth(text("username"), text("password"), text("bearerToken"), secret_value(secret, "identity"),
                   secret_value(secret, "known_hosts"))


class Git:
    """One working directory and the environment that carries its credentials."""

    def __init__(self, workdir: str, auth: Optional[GitAuth] = None, url: str = "", timeout: float = 300) -> None:
        self.dir = workdir
        self.timeout = timeout
        self.env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="/bin/false", SSH_ASKPASS="/bin/false",
                        LC_ALL="C")
        self._tmp: Optional[str] = None
        for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
            self.env.pop(k, None)
        if auth is not None:
            self._auth(auth, url)

    def _auth(self, a: GitAuth, url: str) -> None:
        header = None
        if a.bearer:
            header = f"Authorization: Bearer {a.bearer}"
        elif a.username is not None and a.password is not None and url.startswith(("http://", "https://")):
            header = "Authorization: Basic " + base64.b64encode(f"{a.username}:{a.password}".encode()).decode()
        if header:
            self.env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader", GIT_CONFIG_VALUE_0=header)
        if a.identity:
            self._tmp = tempfile.mkdtemp(prefix="imagewatch-ssh-")
            key = os.path.join(self._tmp, "identity")
            fd = os.open(key, os.O_WRONLY | os.O_CREAT, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(a.identity if a.identity.endswith(b"\n") else a.identity + b"\n")
            kh = os.path.join(self._tmp, "known_hosts")
            with open(kh, "wb") as f:
                f.write(a.known_hosts or b"")
            self.env["GIT_SSH_COMMAND"] = (f"ssh -i {key} -o IdentitiesOnly=yes -o BatchMode=yes "
                                           f"-o UserKnownHostsFile={kh} -o StrictHostKeyChecking=yes")

    def close(self) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def run(self, *args: str, input: Optional[bytes] = None, env: Optional[dict] = None, check: bool = True,
            cwd: Optional[str] = None) -> subprocess.CompletedProcess:
        e = dict(self.env)
        e.update(env or {})
        try:
            p = subprocess.run(["git", *args], cwd=cwd or self.dir, capture_output=True, env=e, input=input,
                               timeout=self.timeout)
        except FileNotFoundError:
            raise OperationError("git is not installed") from None
        except subprocess.TimeoutExpired:
            raise OperationError(f"git {args[0]} timed out after {self.timeout:.0f}s") from None
        if check and p.returncode != 0:
            raise OperationError(f"git {args[0]} failed: {_clean(p.stderr)}")
        return p

    def out(self, *args: str) -> str:
        return self.run(*args).stdout.decode("utf-8", "replace").strip()


def _clean(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    text = re.sub(r"(Authorization: )\S+ \S+", r"\1<redacted>", text)
    text = re.sub(r"//[^/@\s]+:[^/@\s]+@", "//<redacted>@", text)
    return text.splitlines()[-1] if text else "(no output)"


def clone(url: str, dest: str, auth: Optional[GitAuth] = None, timeout: float = 300, shallow: bool = True) -> Git:
    """Every branch head (depth 1 by default, like Flux's GitShallowClone gate) and the tags."""
    os.makedirs(dest, exist_ok=True)
    g = Git(dest, auth, url, timeout)
    g.run("init", "-q")
    g.run("remote", "add", "origin", url)
    depth = ["--depth", "1"] if shallow and not url.startswith("/") else []  # plain paths ignore --depth
    p = g.run("fetch", "-q", *depth, "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*", check=False)
    if p.returncode != 0:
        msg = _clean(p.stderr)
        if re.search(r"Authentication failed|could not read Username|Permission denied|403|401|"
                     r"Host key verification failed", p.stderr.decode("utf-8", "replace")):
            raise OperationError(f"cannot fetch {url}: authentication failed ({msg})")
        raise OperationError(f"cannot fetch {url}: {msg}")
    return g


def remote_branches(g: Git) -> set[str]:
    out = g.out("for-each-ref", "--format=%(refname)", "refs/remotes/origin/")
    return {r[len("refs/remotes/origin/"):] for r in out.splitlines() if r and not r.endswith("/HEAD")}


def resolve_checkout(g: Git, ref: dict) -> tuple[str, Optional[str]]:
    """(commit sha, branch or None) for a GitRepositoryRef, precedence as Flux's go-git client:
    commit > name > tag > semver > branch > default master."""
    if ref.get("commit"):
        if ref.get("branch"):
            g.run("fetch", "-q", "origin", f"+refs/heads/{ref['branch']}:refs/remotes/origin/{ref['branch']}")
        found = g.run("rev-parse", "--verify", "--quiet", f"{ref['commit']}^{{commit}}", check=False)
        if found.returncode != 0 and os.path.exists(os.path.join(g.dir, ".git", "shallow")):
            g.run("fetch", "-q", "--unshallow", "origin")  # an older commit: the shallow clone lacks it
        return g.out("rev-parse", "--verify", f"{ref['commit']}^{{commit}}"), ref.get("branch")
    if ref.get("name"):
        g.run("fetch", "-q", "origin", f"+{ref['name']}:refs/imagewatch/checkout")
        name = ref["name"]
        return g.out("rev-parse", "refs/imagewatch/checkout^{commit}"), (
            name[len("refs/heads/"):] if name.startswith("refs/heads/") else None)
    if ref.get("tag"):
        return g.out("rev-parse", "--verify", f"refs/tags/{ref['tag']}^{{commit}}"), None
    if ref.get("semver"):
        from kubectl_imagewatch.reflector.policy import constraints, versions

        try:
            c = constraints.parse(ref["semver"])
        except constraints.ConstraintError as e:
            raise OperationError(f"checkout semver {ref['semver']!r}: {e}") from None
        best = None
        for t in g.out("tag", "--list").splitlines():
            v = versions.new_version_or_none(t)
            if v is not None and c.check(v) and (best is None or v.key > best[1].key):
                best = (t, v)
        if best is None:
            raise OperationError(f"no tag matches semver {ref['semver']!r}")
        return g.out("rev-parse", f"refs/tags/{best[0]}^{{commit}}"), None
    branch = ref.get("branch") or "master"
    if branch not in remote_branches(g):
        raise OperationError(f"branch {branch!r} not found in the remote")
    return g.out("rev-parse", f"refs/remotes/origin/{branch}"), branch


@dataclasses.dataclass
class SigningKey:
    """signingKey.secretRef: `gpg` (git.asc armored key, optional passphrase) or `ssh` (identity)."""
    kind: str
    key: bytes
    passphrase: Optional[str] = None

    def __repr__(self) -> str:
        return f"SigningKey({self.kind}, <redacted>)"


def _gpg_setup(d: str, key: SigningKey) -> list[str]:
    """Import the key into a private GNUPGHOME; git config args that make `git commit -S` use it."""
    home = os.path.join(d, "gnupg")
    os.makedirs(home, mode=0o700)
    imp = subprocess.run(["gpg", "--batch", "--homedir", home, "--import"], input=key.key, capture_output=True)
    if imp.returncode != 0:
        raise OperationError("signing key: gpg could not import the armored key from git.asc")
    keys = re.findall(rb"key ([0-9A-F]+):", imp.stderr)
    if len(set(keys)) != 1:
        raise OperationError("signing key: git.asc must hold exactly one key")
    wrapper = os.path.join(d, "gpg-wrapper")
    extra = ""
    if key.passphrase is not None:
        pw = os.path.join(d, "passphrase")
        fd = os.open(pw, os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key.passphrase)
        extra = f" --pinentry-mode loopback --passphrase-file '{pw}'"
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\nexec gpg --batch --homedir '{home}'{extra} \"$@\"\n")
    os.chmod(wrapper, 0o700)
    return ["-c", f"gpg.program={wrapper}", "-c", f"user.signingKey={keys[0].decode()}"]


def _ssh_setup(d: str, key: SigningKey) -> list[str]:
    path = os.path.join(d, "signing_key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.key if key.key.endswith(b"\n") else key.key + b"\n")
    if key.passphrase:
        raise OperationError("ssh signing keys with a password are not supported; use an unencrypted identity")
    return ["-c", "gpg.format=ssh", "-c", f"user.signingKey={path}"]


def commit_all(g: Git, message: str, name: str, email: str, signing: Optional[SigningKey] = None) -> Optional[str]:
    """Stage everything (as Flux does) and commit, signed when asked; None when nothing changed."""
    g.run("add", "-A")
    if g.run("diff", "--cached", "--quiet", check=False).returncode == 0:
        return None
    env = {"GIT_AUTHOR_NAME": name or "Flux", "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name or "Flux",
           "GIT_COMMITTER_EMAIL": email}
    tmp = tempfile.mkdtemp(prefix="imagewatch-sign-") if signing else None
    try:
        if signing is None:
            cfg, sign = ["-c", "commit.gpgsign=false"], []
        elif signing.kind == "ssh":
            cfg, sign = _ssh_setup(tmp or "", signing), ["-S"]
        else:
            cfg, sign = _gpg_setup(tmp or "", signing), ["-S"]
        g.run(*cfg, "commit", "-q", "--no-verify", *sign, "-F", "-", input=message.encode(), env=env)
    except FileNotFoundError:
        raise OperationError("commit signing needs gpg (or ssh-keygen) installed") from None
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return g.out("rev-parse", "HEAD")


_REJECTED = re.compile(r"\[rejected\]|non-fast-forward|fetch first|failed to update ref|stale info")


def push(g: Git, branch: str, refspec: Optional[str] = None, options: Optional[dict] = None) -> None:
    """Push HEAD to branch (never forced), then the refspec; options as git push options."""
    opts: list[str] = []
    for k, v in sorted((options or {}).items()):
        opts += ["-o", f"{k}={v}" if v else k]
    specs = [f"HEAD:refs/heads/{branch}"] + ([refspec] if refspec else [])
    for spec in specs:
        p = g.run("push", "--porcelain", *opts, "origin", spec, check=False)
        if p.returncode != 0:
            err = p.stderr.decode("utf-8", "replace") + p.stdout.decode("utf-8", "replace")
            if _REJECTED.search(err) and "remote rejected" not in err:
                raise PushRejected(f"push to {spec} rejected: the remote moved (non-fast-forward)")
            raise OperationError(f"push to {spec} failed: {_clean(p.stderr) if p.stderr else _clean(p.stdout)}")


def commit(repo: str, paths: list[str], message: str, name: str, email: str) -> str:
    """Commit the given paths in an existing working tree (update --commit)."""
    g = Git(repo)
    g.run("add", "--", *paths)
    env = {"GIT_AUTHOR_NAME": name or "Flux", "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": name or "Flux", "GIT_COMMITTER_EMAIL": email}
    g.run("commit", "-q", "--no-verify", "-F", "-", "--", *paths, env=env, input=message.encode())
    return g.out("rev-parse", "HEAD")


def commit_plan(repo: str, plan: object) -> list[str]:
    """One commit per automation that changed files, with its author and rendered message."""
    out = []
    for ap in plan.automations:  # type: ignore[attr-defined]
        if not ap.files or ap.error:
            continue
        author = (((ap.automation.spec.get("git") or {}).get("commit") or {}).get("author") or {})
        paths = sorted({f.repo_file for f in ap.files})
        out.append(commit(repo, paths, ap.message or "", str(author.get("name") or ""),
                          str(author.get("email") or "fluxcdbot@users.noreply.github.com")))
    return out
