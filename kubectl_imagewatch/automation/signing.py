"""Commit signing as image-automation-controller does it: `signingKey.secretRef` holds an armored
OpenPGP key (`git.asc`, optional `passphrase`) or, with `type: ssh`, an ssh identity.

Key material is written only into a private temp directory the caller removes in a `finally`;
gpg gets its own GNUPGHOME there, so the user's keyring is never read or changed.
"""
from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from typing import Optional

from kubectl_imagewatch.automation.credentials import write_private
from kubectl_imagewatch.errors import OperationError


@dataclasses.dataclass
class SigningKey:
    """signingKey.secretRef: `gpg` (git.asc armored key, optional passphrase) or `ssh` (identity)."""
    kind: str
    key: bytes
    passphrase: Optional[str] = None

    def __repr__(self) -> str:
        return f"SigningKey({self.kind}, <redacted>)"


def git_config(tmp: str, key: SigningKey) -> list[str]:
    """The `git -c` arguments that make `git commit -S` sign with `key`; files go under `tmp`."""
    return _ssh_setup(tmp, key) if key.kind == "ssh" else _gpg_setup(tmp, key)


def _gpg_setup(d: str, key: SigningKey) -> list[str]:
    """Import the key into a private GNUPGHOME; git config args that make `git commit -S` use it."""
    home = os.path.join(d, "gnupg")
    os.makedirs(home, mode=0o700)
    try:
        imp = subprocess.run(["gpg", "--batch", "--homedir", home, "--import"], input=key.key, capture_output=True,
                             timeout=60)
    except subprocess.TimeoutExpired:
        raise OperationError("signing key: gpg --import timed out") from None
    if imp.returncode != 0:
        raise OperationError("signing key: gpg could not import the armored key from git.asc")
    keys = re.findall(rb"key ([0-9A-F]+):", imp.stderr)
    if len(set(keys)) != 1:
        raise OperationError("signing key: git.asc must hold exactly one key")
    wrapper = os.path.join(d, "gpg-wrapper")
    extra = ""
    if key.passphrase is not None:
        pw = os.path.join(d, "passphrase")
        write_private(pw, key.passphrase.encode())
        extra = f" --pinentry-mode loopback --passphrase-file '{pw}'"
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\nexec gpg --batch --homedir '{home}'{extra} \"$@\"\n")
    os.chmod(wrapper, 0o700)
    return ["-c", f"gpg.program={wrapper}", "-c", f"user.signingKey={keys[0].decode()}"]


def _ssh_setup(d: str, key: SigningKey) -> list[str]:
    if key.passphrase:
        raise OperationError("ssh signing keys with a password are not supported; use an unencrypted identity")
    path = os.path.join(d, "signing_key")
    write_private(path, key.key if key.key.endswith(b"\n") else key.key + b"\n")
    return ["-c", "gpg.format=ssh", "-c", f"user.signingKey={path}"]


def stop_agent(tmp: str) -> None:
    """End the gpg-agent the import started for the private GNUPGHOME: it would hold the key (and a
    cached passphrase) in memory after the directory is gone."""
    home = os.path.join(tmp, "gnupg")
    if os.path.isdir(home):
        try:
            subprocess.run(["gpgconf", "--homedir", home, "--kill", "gpg-agent"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass  # no gpgconf: the agent exits by itself once its socket is gone

