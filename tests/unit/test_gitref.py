"""Git names from manifests (refspecs, branches) and credentials in git's messages: case tables."""
from __future__ import annotations

import pytest

from kubectl_imagewatch.automation.credentials import display_url, scrub, split_credentials
from kubectl_imagewatch.automation.git import clean, push_problem
from kubectl_imagewatch.flux.gitref import branch_problem, refspec_problem

# go-git's RefSpec.Validate, plus names git's command line would read as options
REFSPECS = [
    ("refs/heads/main:refs/heads/auto", None),
    ("HEAD:refs/heads/auto", None),
    ("+refs/heads/main:refs/heads/auto", None),  # valid for go-git; run refuses to force (push_problem)
    (":refs/heads/dev", None),  # a delete: valid for go-git; run refuses it
    ("refs/heads/*:refs/heads/*", None),
    ("--mirror", "separators are wrong"),
    ("main", "separators are wrong"),
    ("a:b:c", "separators are wrong"),
    ("refs/heads/main:", "the destination is empty"),
    ("refs/heads/*:refs/heads/x", "mismatched number of wildcards"),
    ("refs/*/*:refs/*/*", "mismatched number of wildcards"),
    ("--receive-pack=x:refs/heads/x", "cannot start with '-'"),
    ("+--force:refs/heads/x", "cannot start with '-'"),
    ("refs/heads/main:-x", "cannot start with '-'"),
]


@pytest.mark.parametrize("spec,why", REFSPECS, ids=[s for s, _ in REFSPECS])
def test_refspec(spec: str, why: str | None) -> None:
    got = refspec_problem(spec)
    assert (got is None) if why is None else (got is not None and why in got), got


BRANCHES = [
    ("main", None), ("release/1.2", None), ("image-updates", None), ("feature/a.b_c", None),
    ("-main", "starts with '-'"), ("--force", "starts with '-'"), ("", "empty"),
    ("main branch", "contains ' '"), ("a:b", "contains ':'"), ("a~1", "contains '~'"), ("a\nb", "contains '\\n'"),
    ("a..b", "not a valid"), ("a/", "not a valid"), ("a.lock", "not a valid"), (".hidden", "not a valid"),
    ("a//b", "not a valid"), ("@", "not a valid"), ("a@{1}", "not a valid"),
]


@pytest.mark.parametrize("name,why", BRANCHES, ids=[repr(n) for n, _ in BRANCHES])
def test_branch(name: str, why: str | None) -> None:
    got = branch_problem(name)
    assert (got is None) if why is None else (got is not None and why in got), got


@pytest.mark.parametrize("branch,refspec,why", [
    ("main", None, None),
    ("main", "refs/heads/main:refs/heads/auto", None),
    ("main", "+refs/heads/main:refs/heads/dev", "never force-pushes"),
    ("main", ":refs/heads/dev", "deletes refs/heads/dev"),
    ("-main", None, "starts with '-'"),
    ("main", "--mirror", "separators are wrong"),
])
def test_push_problem(branch: str, refspec: str | None, why: str | None) -> None:
    got = push_problem(branch, refspec)
    assert (got is None) if why is None else (got is not None and why in got), got


SCRUB = [
    ("cannot fetch https://bot:S3cret@host/x.git: no", "cannot fetch https://<redacted>@host/x.git: no"),
    ("http://ghp_token@github.com/a/b", "http://<redacted>@github.com/a/b"),
    ("ssh://git@host/x.git", "ssh://git@host/x.git"),  # a user name, not a secret
    ("ssh://git:pw@host/x.git", "ssh://<redacted>@host/x.git"),
    ("> Authorization: Basic YWxpY2U6cHc=", "> Authorization: <redacted>"),
    ("remote: \x1b]0;owned\x07 hi", "remote: ?]0;owned? hi"),
]


@pytest.mark.parametrize("text,want", SCRUB)
def test_scrub(text: str, want: str) -> None:
    assert scrub(text) == want


def test_url_credentials_leave_the_url() -> None:
    url, auth = split_credentials("https://bot:p%40ss@git.example.com:8443/fleet.git")
    assert url == "https://git.example.com:8443/fleet.git"
    assert auth is not None and (auth.username, auth.password) == ("bot", "p@ss")
    assert split_credentials("ssh://git@host/x.git") == ("ssh://git@host/x.git", None)
    assert display_url("https://bot:pw@host/x.git") == "https://host/x.git"
    assert display_url("ssh://git@host/x.git") == "ssh://git@host/x.git"
    assert "pw" not in repr(auth)


def test_clean_keeps_the_whole_message_bounded() -> None:
    err = (b"fatal: '/srv/git/fleet.git' does not appear to be a git repository\n"
           b"hint: try harder\nfatal: Could not read from remote repository.\n\n"
           b"Please make sure you have the correct access rights\nand the repository exists.\n")
    assert clean(err) == ("fatal: '/srv/git/fleet.git' does not appear to be a git repository; "
                          "fatal: Could not read from remote repository.; "
                          "Please make sure you have the correct access rights; and the repository exists.")
    long = clean(b"x" * 100_000)
    assert len(long) < 2100 and long.endswith("more characters)")
    assert clean(b"") == "(no output)"


@pytest.mark.parametrize("version,ok", [("git version 2.39.5\n", True), ("git version 2.24.0\n", True),
                                        ("git version 2.20.1\n", False), ("git version 1.8.3.1\n", False)])
def test_git_older_than_2_24_is_refused(monkeypatch: pytest.MonkeyPatch, version: str, ok: bool) -> None:
    """--end-of-options (git 2.24) is what keeps manifest values from being options."""
    import subprocess

    from kubectl_imagewatch.automation import git
    from kubectl_imagewatch.errors import OperationError

    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, version.encode(), b""))
    git._check_version.cache_clear()
    try:
        if ok:
            git._check_version()
        else:
            with pytest.raises(OperationError, match="git 2.24 or newer is needed"):
                git._check_version()
    finally:
        git._check_version.cache_clear()
