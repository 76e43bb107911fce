"""git through the git CLI: local commits for `update --commit` (author from the automation)."""
from __future__ import annotations

import os
import subprocess

from kubectl_imagewatch.errors import OperationError


def git(repo: str, *args: str, env: dict | None = None, input: bytes | None = None) -> str:
    e = dict(os.environ)
    e.update(env or {})
    e.setdefault("GIT_TERMINAL_PROMPT", "0")
    try:
        p = subprocess.run(["git", "-C", repo, *args], capture_output=True, env=e, input=input, timeout=300)
    except FileNotFoundError:
        raise OperationError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise OperationError(f"git {args[0]} timed out") from None
    if p.returncode != 0:
        raise OperationError(f"git {args[0]} failed: {p.stderr.decode('utf-8', 'replace').strip()}")
    return p.stdout.decode("utf-8", "replace").strip()


def commit(repo: str, paths: list[str], message: str, name: str, email: str) -> str:
    if not paths:
        return ""
    git(repo, "add", "--", *paths)
    env = {"GIT_AUTHOR_NAME": name or "Flux", "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": name or "Flux", "GIT_COMMITTER_EMAIL": email}
    git(repo, "commit", "-q", "--no-verify", "-F", "-", "--", *paths, env=env, input=message.encode())
    return git(repo, "rev-parse", "HEAD")


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
