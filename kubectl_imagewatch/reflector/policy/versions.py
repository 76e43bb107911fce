"""Which tags are versions, and how versions compare — Masterminds/semver v3 as Flux uses it.

Mirrors fluxcd/pkg `version.ParseVersion` (controller >= v1.0: at least two dots anywhere, then
Masterminds `NewVersion`: optional lowercase `v`, leading zeros ignored, prerelease/metadata
identifiers) and Masterminds `Version.Compare` (metadata ignored; numeric identifiers are those
`strconv.ParseUint` accepts). Values are `semver.Version` objects from the `semver` package;
the precedence is computed here because Masterminds differs from SemVer 2.0 in corners
(numeric identifiers beyond uint64 compare as strings).
"""
from __future__ import annotations

import functools
import re
from typing import Optional

import semver

UINT64_MAX = (1 << 64) - 1
MAX_VERSION_LEN = 256  # Masterminds v3.5 input limit

_VERSION = re.compile(
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?\Z"
)


class VersionError(ValueError):
    pass


class Version:
    """A parsed version with a precomputed precedence key (Masterminds Compare == key order).

    `semver()` gives the equivalent `semver.Version` from the semver package.
    """

    __slots__ = ("major", "minor", "patch", "prerelease", "build", "key")

    def __init__(self, major: int, minor: int, patch: int, prerelease: Optional[str], build: Optional[str]) -> None:
        self.major, self.minor, self.patch = major, minor, patch
        self.prerelease, self.build = prerelease, build
        if prerelease:
            pre = tuple((0, int(p), "") if _is_num(p) else (1, 0, p) for p in prerelease.split("."))
            self.key = (major, minor, patch, 0, pre)
        else:
            self.key = (major, minor, patch, 1, ())

    def semver(self) -> semver.Version:
        return semver.Version(self.major, self.minor, self.patch, self.prerelease, self.build)

    def __str__(self) -> str:
        return str(self.semver())


def new_version(s: str) -> "Version":
    """Masterminds NewVersion (loose). Raises VersionError."""
    if len(s) > MAX_VERSION_LEN:
        raise VersionError("version string too long")
    head = s[1:] if s[:1] == "v" else s
    parts3 = head.split(".")
    if len(parts3) == 3 and head.isascii() and parts3[0].isdigit() and parts3[1].isdigit() and parts3[2].isdigit():
        a, b, c = int(parts3[0]), int(parts3[1]), int(parts3[2])  # fast path: plain M.m.p
        if a <= UINT64_MAX and b <= UINT64_MAX and c <= UINT64_MAX:
            return Version(a, b, c, None, None)
        raise VersionError("Invalid Semantic Version")
    m = _VERSION.match(s)
    if not m:
        raise VersionError("Invalid Semantic Version")
    parts = [int(m.group(1)), int((m.group(2) or ".0")[1:]), int((m.group(3) or ".0")[1:])]
    if any(p > UINT64_MAX for p in parts):
        raise VersionError("Invalid Semantic Version")
    pre = m.group(5)
    if pre is not None:
        for ident in pre.split("."):
            if ident.isdigit() and len(ident) > 1 and ident[0] == "0":
                raise VersionError("Version segment starts with 0")
    return Version(parts[0], parts[1], parts[2], pre or None, m.group(8) or None)


@functools.lru_cache(maxsize=65536)
def parse_tag(tag: str) -> Optional[Version]:
    """fluxcd/pkg version.ParseVersion: None when Flux does not treat the tag as a version."""
    if tag.count(".") < 2:
        return None
    try:
        return new_version(tag)
    except VersionError:
        return None


def why_not_version(tag: str) -> str:
    if tag.count(".") < 2:
        return "not a version: Flux needs at least two dots (MAJOR.MINOR.PATCH)"
    try:
        new_version(tag)
    except VersionError as e:
        if "starts with 0" in str(e):
            return "not a version: numeric prerelease identifier with a leading zero"
        return "not a version: not MAJOR.MINOR.PATCH[-pre][+meta] (optional lowercase v)"
    return ""


def _is_num(s: str) -> bool:
    return s.isdigit() and s.isascii() and int(s) <= UINT64_MAX


def _cmp_pre_part(s: str, o: str) -> int:
    if s == o:
        return 0
    if s == "":
        return -1
    if o == "":
        return 1
    sn, on = _is_num(s), _is_num(o)
    if not sn and not on:
        return 1 if s > o else -1
    if not on:  # o is a string, s a number
        return -1
    if not sn:
        return 1
    return 1 if int(s) > int(o) else -1


def compare_prerelease(a: str, b: str) -> int:
    ap, bp = a.split("."), b.split(".")
    for i in range(max(len(ap), len(bp))):
        d = _cmp_pre_part(ap[i] if i < len(ap) else "", bp[i] if i < len(bp) else "")
        if d:
            return d
    return 0


def compare(a: Version, b: Version) -> int:
    """Masterminds Version.Compare (metadata ignored; see Version.key)."""
    ka, kb = a.key, b.key
    return (ka > kb) - (ka < kb)


def compare_slow(a: Version, b: Version) -> int:
    """Masterminds Version.Compare spelled out; tests check it equals the key order."""
    for x, y in ((a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)):
        if x != y:
            return 1 if x > y else -1
    pa, pb = a.prerelease or "", b.prerelease or ""
    if not pa and not pb:
        return 0
    if not pa:
        return 1
    if not pb:
        return -1
    return compare_prerelease(pa, pb)


def new_version_or_none(s: str) -> Optional[Version]:
    try:
        return new_version(s)
    except VersionError:
        return None
