"""git through the git CLI: clone a GitRepository's ref, commit as the automation, push safely.

Credentials (credentials.py) reach git through the environment or 0600 files in a private temp
directory that is removed whatever happens — never through argv, `.git/config` or messages.
No manifest value becomes a git option: every such value follows `--end-of-options` and branch
names and refspecs are checked first (flux/gitref.py). Pushes are never forced; a non-fast-forward
rejection is reported as such so the caller can fetch, re-apply and retry.
"""
from __future__ import annotations

import base64
import contextlib
import functools
import os
import re
import signal
import subprocess
import tempfile
from types import TracebackType
from typing import Optional

from kubectl_imagewatch.automation import signing
from kubectl_imagewatch.automation.credentials import (GitAuth, display_url, remove_tree, scrub, split_credentials,
                                                       write_private)
from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.flux.gitref import branch_problem, refspec_problem

EOO = "--end-of-options"  # git >= 2.24: nothing after it is an option
PROTOCOLS = "file:git:http:https:ssh"  # no ext::, fd:: or other remote helpers
MAX_MESSAGE = 2000  # characters of git's stderr kept in an error


class PushRejected(OperationError):
    """The remote moved (non-fast-forward): fetch, re-apply, retry."""


def clean(stderr: bytes) -> str:
    """git's whole message, one line, credentials scrubbed, bounded (hints dropped)."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines()]
    text = "; ".join(ln for ln in lines if ln and not ln.startswith("hint:"))
    text = scrub(text) or "(no output)"
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + f"… ({len(text) - MAX_MESSAGE} more characters)"


@functools.lru_cache(maxsize=1)
def _check_version() -> None:
    try:
        out = subprocess.run(["git", "version"], capture_output=True, timeout=30).stdout.decode("utf-8", "replace")
    except FileNotFoundError:
        raise OperationError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise OperationError("git version timed out") from None
    m = re.search(r"(\d+)\.(\d+)", out)
    if m and (int(m.group(1)), int(m.group(2))) < (2, 24):
        raise OperationError(f"git 2.24 or newer is needed (found {out.strip()})")


class Git:
    """One working directory and the environment that carries its credentials. Close it (or use it
    as a context manager): that removes the private files the credentials live in."""

    def __init__(self, workdir: str, auth: Optional[GitAuth] = None, url: str = "", timeout: float = 300) -> None:
        _check_version()
        self.dir = workdir
        self.timeout = timeout
        self.url = display_url(url)
        self.has_auth = False
        self.env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="/bin/false", SSH_ASKPASS="/bin/false",
                        LC_ALL="C", GIT_ALLOW_PROTOCOL=PROTOCOLS)
        self._tmp: Optional[str] = None
        for k in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_SSH", "GIT_PROXY_COMMAND"):
            self.env.pop(k, None)
        if auth is not None:
            try:
                self._auth(auth, url)
            except BaseException:
                self.close()
                raise

    def _auth(self, a: GitAuth, url: str) -> None:
        header = None
        if a.bearer:
            header = f"Authorization: Bearer {a.bearer}"
        elif a.username is not None and a.password is not None and url.startswith(("http://", "https://")):
            header = "Authorization: Basic " + base64.b64encode(f"{a.username}:{a.password}".encode()).decode()
        if header:
            self.has_auth = True
            self.env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader", GIT_CONFIG_VALUE_0=header)
        if a.identity:
            self.has_auth = True
            self._tmp = tempfile.mkdtemp(prefix="imagewatch-ssh-")
            key = os.path.join(self._tmp, "identity")
            write_private(key, a.identity if a.identity.endswith(b"\n") else a.identity + b"\n")
            kh = os.path.join(self._tmp, "known_hosts")
            write_private(kh, a.known_hosts or b"")
            self.env["GIT_SSH_COMMAND"] = (f"ssh -i '{key}' -o IdentitiesOnly=yes -o BatchMode=yes "
                                           f"-o UserKnownHostsFile='{kh}' -o StrictHostKeyChecking=yes "
                                           "-o ConnectTimeout=30 -o ServerAliveInterval=15")

    def close(self) -> None:
        if self._tmp:
            remove_tree(self._tmp)
            self._tmp = None

    def __enter__(self) -> "Git":
        return self

    def __exit__(self, t: Optional[type], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()

    def run(self, *args: str, input: Optional[bytes] = None, env: Optional[dict] = None, check: bool = True,
            cwd: Optional[str] = None) -> subprocess.CompletedProcess:
        e = dict(self.env)
        e.update(env or {})
        cmd = next((a for a in args if not a.startswith("-") and "=" not in a), args[0])
        try:
            p = _run(["git", *args], cwd or self.dir, e, input, self.timeout)
        except FileNotFoundError:
            raise OperationError("git is not installed") from None
        except subprocess.TimeoutExpired:
            raise OperationError(f"git {cmd} timed out after {self.timeout:.0f}s") from None
        if check and p.returncode != 0:
            raise OperationError(f"git {cmd} failed: {clean(p.stderr)}")
        return p

    def out(self, *args: str) -> str:
        return self.run(*args).stdout.decode("utf-8", "replace").strip()

    def remote_error(self, what: str, stderr: bytes) -> OperationError:
        """A failed fetch or push, with its cause: authentication, host key, or git's whole message."""
        text = clean(stderr)
        raw = stderr.decode("utf-8", "replace")
        if re.search(r"Authentication failed|could not read (Username|Password)|returned error: 40[13]|"
                     r"Permission denied \((publickey|password|keyboard)", raw):
            why = ("the server refused the credentials" if self.has_auth else
                   "the server wants credentials and none were given (set the GitRepository's secretRef)")
            return OperationError(f"authentication failed for {self.url}: {why} (git: {text})")
        if "Host key verification failed" in raw:
            return OperationError(f"host key verification failed for {self.url}: the Secret's known_hosts does "
                                  f"not hold this server's key (git: {text})")
        hint = ""
        if re.search(r"does not appear to be a git repository|not found|Could not resolve host|Connection refused|"
                     r"No route to host|unable to access", raw):
            hint = " (check the GitRepository's spec.url, or --git-url)"
        return OperationError(f"cannot {what} {self.url}: {text}{hint}")


def _run(argv: list[str], cwd: str, env: dict, input: Optional[bytes], timeout: float) -> subprocess.CompletedProcess:
    """subprocess.run in its own process group, so that a timeout or a signal ends git's helpers
    too (ssh, git-remote-https), not only git."""
    with subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, start_new_session=True) as proc:
        try:
            out, err = proc.communicate(input, timeout=timeout)
        except BaseException:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def clone(url: str, dest: str, auth: Optional[GitAuth] = None, timeout: float = 300, shallow: bool = True) -> Git:
    """Every branch head (depth 1 by default, like Flux's GitShallowClone gate) and the tags.
    On failure nothing is left: the credentials' directory is removed before the error surfaces."""
    plain, url_auth = split_credentials(url)
    os.makedirs(dest, exist_ok=True)
    g = Git(dest, auth or url_auth, plain, timeout)
    try:
        g.run("init", "-q")
        g.run("remote", "add", EOO, "origin", plain)
        depth = ["--depth", "1"] if shallow and not plain.startswith("/") else []  # plain paths ignore --depth
        p = g.run("fetch", "-q", *depth, "--tags", EOO, "origin", "+refs/heads/*:refs/remotes/origin/*", check=False)
        if p.returncode != 0:
            raise g.remote_error("fetch", p.stderr)
    except BaseException:
        g.close()
        raise
    return g


def remote_branches(g: Git) -> set[str]:
    out = g.out("for-each-ref", "--format=%(refname)", "refs/remotes/origin/")
    return {r[len("refs/remotes/origin/"):] for r in out.splitlines() if r and not r.endswith("/HEAD")}


def _checked(value: object, field: str) -> str:
    why = branch_problem(str(value), f"checkout.ref.{field}")
    if why:
        raise OperationError(why)
    return str(value)


def resolve_checkout(g: Git, ref: dict) -> tuple[str, Optional[str]]:
    """(commit sha, branch or None) for a GitRepositoryRef, precedence as Flux's go-git client:
    commit > name > tag > semver > branch > default master."""
    if ref.get("commit"):
        commit = str(ref["commit"])
        if not re.fullmatch(r"[0-9a-fA-F]{4,64}", commit):
            raise OperationError(f"checkout.ref.commit {commit!r} is not a commit SHA")
        branch = _checked(ref["branch"], "branch") if ref.get("branch") else None
        if branch:
            g.run("fetch", "-q", EOO, "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}")
        found = g.run("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False)
        if found.returncode != 0 and os.path.exists(os.path.join(g.dir, ".git", "shallow")):
            g.run("fetch", "-q", "--unshallow", "origin")  # an older commit: the shallow clone lacks it
        return g.out("rev-parse", "--verify", f"{commit}^{{commit}}"), branch
    if ref.get("name"):
        name = _checked(ref["name"], "name")
        g.run("fetch", "-q", EOO, "origin", f"+{name}:refs/imagewatch/checkout")
        return g.out("rev-parse", "refs/imagewatch/checkout^{commit}"), (
            name[len("refs/heads/"):] if name.startswith("refs/heads/") else None)
    if ref.get("tag"):
        tag = _checked(ref["tag"], "tag")
        return g.out("rev-parse", "--verify", f"refs/tags/{tag}^{{commit}}"), None
    if ref.get("semver"):
        from kubectl_imagewatch.reflector.policy import constraints, versions

        try:
            c = constraints.parse(str(ref["semver"]))
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
    branch = _checked(ref.get("branch") or "master", "branch")
    if branch not in remote_branches(g):
        raise OperationError(f"branch {branch!r} not found in the remote")
    return g.out("rev-parse", f"refs/remotes/origin/{branch}"), branch


def commit_all(g: Git, message: str, name: str, email: str,
               signing_key: Optional[signing.SigningKey] = None) -> Optional[str]:
    """Stage everything (as Flux does) and commit, signed when asked; None when nothing changed."""
    g.run("add", "-A")
    if g.run("diff", "--cached", "--quiet", check=False).returncode == 0:
        return None
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
    tmp = tempfile.mkdtemp(prefix="imagewatch-sign-") if signing_key else None
    try:
        cfg, sign = ["-c", "commit.gpgsign=false"], []
        if signing_key is not None:
            cfg, sign = signing.git_config(tmp or "", signing_key), ["-S"]
        g.run(*cfg, "commit", "-q", "--no-verify", *sign, "-F", "-", input=message.encode(), env=env)
    except FileNotFoundError:
        raise OperationError("commit signing needs gpg (or ssh-keygen) installed") from None
    finally:
        if tmp:
            signing.stop_agent(tmp)
            remove_tree(tmp)
    return g.out("rev-parse", "HEAD")


_REJECTED = re.compile(r"\[rejected\]|non-fast-forward|fetch first|failed to update ref|stale info")


def push_problem(branch: str, refspec: Optional[str]) -> Optional[str]:
    """Why this push must not run: a bad branch or refspec, a forced or deleting refspec."""
    why = branch_problem(branch, "push branch")
    if why or not refspec:
        return why
    why = refspec_problem(refspec)
    if why:
        return why
    src, dst = refspec.split(":")
    if src.startswith("+"):
        return f"push.refspec {refspec!r} forces the update ('+'): run never force-pushes"
    if not src:
        return f"push.refspec {refspec!r} deletes {dst} on the remote; refused"
    return None


def push(g: Git, branch: str, refspec: Optional[str] = None, options: Optional[dict] = None) -> None:
    """Push HEAD to branch (never forced), then the refspec; options as git push options."""
    why = push_problem(branch, refspec)
    if why:
        raise OperationError(why)
    opts: list[str] = []
    for k, v in sorted((options or {}).items()):
        opts += ["-o", f"{k}={v}" if v else str(k)]
    specs = [f"HEAD:refs/heads/{branch}"] + ([refspec] if refspec else [])
    for spec in specs:
        p = g.run("push", "--porcelain", *opts, EOO, "origin", spec, check=False)
        if p.returncode != 0:
            err = p.stderr.decode("utf-8", "replace") + p.stdout.decode("utf-8", "replace")
            if _REJECTED.search(err) and "remote rejected" not in err:
                raise PushRejected(f"push to {spec} rejected: the remote moved (non-fast-forward)")
            raise g.remote_error(f"push {spec} to", p.stderr + b"\n" + p.stdout)


def commit(repo: str, paths: list[str], message: str, name: str, email: str) -> str:
    """Commit the given paths in an existing working tree (update --commit)."""
    g = Git(repo)
    g.run("add", "--", *paths)
    env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
    g.run("commit", "-q", "--no-verify", "-F", "-", "--", *paths, env=env, input=message.encode())
    return g.out("rev-parse", "HEAD")
