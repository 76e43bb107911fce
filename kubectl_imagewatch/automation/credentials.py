"""Git credentials: read from a GitRepository's Secret or an http(s) URL's userinfo, kept out of
URLs, argv and messages, and written (ssh keys, signing keys) only into private temp directories
that are removed whatever happens.

Source-controller's Secret fields: `username`/`password` or `bearerToken` for http(s), `identity`
and `known_hosts` for ssh. `scrub` is the last line of defence for every message and log line.
"""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
from typing import Optional
from urllib.parse import unquote, urlsplit, urlunsplit

from kubectl_imagewatch.errors import OperationError


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

    md = secret.get("metadata")
    label = f"Secret {md.get('name')}" if isinstance(md, dict) and md.get("name") else "the Secret"

    def raw(k: str) -> Optional[bytes]:
        try:
            return secret_value(secret, k)  # type: ignore[arg-type]
        except (AttributeError, TypeError, UnicodeError):
            raise OperationError(f"{label} is malformed: {k} must be a string under data or stringData") from None

    def text(k: str) -> Optional[str]:
        v = raw(k)
        try:
            return v.decode() if v is not None else None
        except UnicodeDecodeError:
            raise OperationError(f"{label}: {k} is not UTF-8 text") from None

    return GitAuth(text("username"), text("password"), text("bearerToken"), raw("identity"), raw("known_hosts"))


# --- credentials out of URLs and messages

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/@\s]*)@")
_AUTH_HEADER = re.compile(r"(?i)(authorization:\s*)\S+(\s+\S+)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


def _userinfo(m: "re.Match[str]") -> str:
    scheme, info = m.group(1), m.group(2)
    if ":" in info or scheme.lower().startswith(("http", "ftp")):
        return scheme + "<redacted>@"  # a password, or an http token in the user name
    return m.group(0)  # ssh://git@host: a user name, not a secret


def scrub(text: str) -> str:
    """`text` without URL credentials, Authorization values or terminal control characters."""
    text = _USERINFO.sub(_userinfo, text)
    text = _AUTH_HEADER.sub(r"\1<redacted>", text)
    return _CONTROL.sub("?", text)


def split_credentials(url: str) -> tuple[str, Optional[GitAuth]]:
    """(url without userinfo, its Basic credentials) for http(s) URLs; other URLs as they are."""
    try:
        u = urlsplit(url)
    except ValueError:
        return url, None
    if u.scheme.lower() not in ("http", "https") or "@" not in u.netloc:
        return url, None
    info, _, host = u.netloc.rpartition("@")
    user, _, pw = info.partition(":")
    return urlunsplit((u.scheme, host, u.path, u.query, u.fragment)), GitAuth(unquote(user), unquote(pw))


def display_url(url: str) -> str:
    """The URL fit for a message: no password, no http user name."""
    return split_credentials(scrub(url))[0].replace("<redacted>@", "")


def remove_tree(path: str) -> None:
    """rm -rf that SIGTERM/SIGINT cannot cut short (they are held until it is done)."""
    held = {signal.SIGTERM, signal.SIGINT}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        shutil.rmtree(path, ignore_errors=True)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_private(path: str, data: bytes) -> None:
    """A 0600 file created anew (never through an existing file or link)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
