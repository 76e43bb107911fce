"""Masterminds/semver v3.5 range constraints, as Flux's semver policy evaluates them.

Grammar and semantics follow Masterminds `NewConstraint`/`Check` (v3.4+ behaviour, pinned to
v3.5): hyphen ranges rewritten first, `||` groups, terms split on whitespace or commas, wildcard
("dirty") terms, and the prerelease gate decided per `||` group. The regular expressions are
Masterminds' own grammar, evaluated with RE2 so `\\s` and `$` mean what they mean in Go.
Written from the published behaviour; table-tested in tests/cases/policy.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, Iterator

from kubectl_imagewatch.reflector.policy.versions import Version, VersionError, compare, compare_prerelease, new_version

MAX_RANGE_LEN = 512
MAX_GROUPS = 32

_OPS = ["!=", ">=", "=>", "<=", "=<", "~>", "=", ">", "<", "~", "^", ""]
_OPS_RE = "|".join(("\\" + "\\".join(o) if o else "") for o in _OPS)
_CV = (r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"
       r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
       r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?")


class ConstraintError(ValueError):
    """str() is Masterminds' message (as Flux prints it after `invalid policy: `)."""


@functools.lru_cache(maxsize=1)
def _regexes() -> tuple:
    from kubectl_imagewatch.golang.regexp import compile as gocompile

    return (
        gocompile(rf"^\s*({_OPS_RE})\s*({_CV})\s*$"),
        gocompile(rf"\s*({_CV})\s+-\s+({_CV})\s*"),
        gocompile(rf"({_OPS_RE})\s*({_CV})"),
        gocompile(rf"^(\s*({_OPS_RE})\s*({_CV})\s*)((?:\s+|,\s*)({_OPS_RE})\s*({_CV})\s*)*$"),
    )


def _finditer(rx: Any, s: str) -> Iterator[Any]:
    """Go FindAll (one implementation: golang.regexp)."""
    return rx.finditer(s)


def _group(m: Any, i: int) -> str:
    g = m.group(i)
    return g.decode() if g is not None else ""


def _is_x(s: str) -> bool:
    return s in ("x", "*", "X")


@dataclasses.dataclass(frozen=True)
class Term:
    op: str
    orig: str
    con: Version
    dirty: bool
    minor_dirty: bool
    patch_dirty: bool

    def __str__(self) -> str:
        return f"{self.op}{self.orig}"

    def test(self, v: Version) -> bool:
        """The term's check after the prerelease gate; exact terms compare precedence keys."""
        if not self.dirty:
            k, ck = v.key, self.con.key
            op = self.op
            if op in (">=", "=>"):
                return k >= ck
            if op == "<":
                return k < ck
            if op in ("<=", "=<"):
                return k <= ck
            if op == ">":
                return k > ck
            if op in ("", "="):
                return k == ck
            if op == "!=":
                return k != ck
        return _FUNCS[self.op](v, self)


def _parse_term(s: str) -> Term:
    exact = _regexes()[0]
    m = exact.search(s)
    if m is None:
        raise ConstraintError(f'improper constraint: "{s}"')
    op, cv, major, minor, patch, pre = (_group(m, i) for i in (1, 2, 3, 4, 5, 6))
    dirty = minor_dirty = patch_dirty = False
    ver = cv
    if _is_x(major) or major == "":
        ver, dirty = f"0.0.0{pre}", True
    elif _is_x(minor[1:]) or minor == "":
        ver, dirty, minor_dirty = f"{major}.0.0{pre}", True, True
    elif _is_x(patch[1:]) or patch == "":
        ver, dirty, patch_dirty = f"{major}{minor}.0{pre}", True, True
    try:
        con = new_version(ver)
    except VersionError:
        raise ConstraintError("constraint parser error") from None
    return Term(op, cv, con, dirty, minor_dirty, patch_dirty)


def _rewrite_range(c: str) -> str:
    rng = _regexes()[1]
    out = c
    for m in list(_finditer(rng, c)):
        whole = _group(m, 0)
        out = out.replace(whole, f">= {_group(m, 1)}, <= {_group(m, 11)} ", 1)
    return out


# --- per-operator checks (after the prerelease gate) -------------------------------------

def _eq(v: Version, c: Term) -> bool:
    return compare(v, c.con) == 0


def _ne(v: Version, c: Term) -> bool:
    if c.dirty:
        if c.con.major != v.major:
            return True
        if c.con.minor != v.minor and not c.minor_dirty:
            return True
        if c.minor_dirty:
            return False
        if c.con.patch != v.patch and not c.patch_dirty:
            return True
        if c.patch_dirty:
            if v.prerelease or c.con.prerelease:
                return compare_prerelease(v.prerelease or "", c.con.prerelease or "") != 0
            return False
    return not _eq(v, c)


def _gt(v: Version, c: Term) -> bool:
    if not c.dirty:
        return compare(v, c.con) == 1
    if v.major > c.con.major:
        return True
    if v.major < c.con.major:
        return False
    if c.minor_dirty:
        return False
    if c.patch_dirty:
        return v.minor > c.con.minor
    return compare(v, c.con) == 1


def _lt(v: Version, c: Term) -> bool:
    return compare(v, c.con) < 0


def _ge(v: Version, c: Term) -> bool:
    return compare(v, c.con) >= 0


def _le(v: Version, c: Term) -> bool:
    if not c.dirty:
        return compare(v, c.con) <= 0
    if v.major > c.con.major:
        return False
    if v.major == c.con.major and v.minor > c.con.minor and not c.minor_dirty:
        return False
    return True


def _tilde(v: Version, c: Term) -> bool:
    if compare(v, c.con) < 0:
        return False
    if c.con.major == 0 and c.con.minor == 0 and c.con.patch == 0 and not c.minor_dirty and not c.patch_dirty:
        return True
    if v.major != c.con.major:
        return False
    if v.minor != c.con.minor and not c.minor_dirty:
        return False
    return True


def _tilde_or_equal(v: Version, c: Term) -> bool:
    if c.dirty:
        return _tilde(v, c)
    return _eq(v, c)


def _caret(v: Version, c: Term) -> bool:
    if compare(v, c.con) < 0:
        return False
    if c.con.major > 0 or c.minor_dirty:
        return v.major == c.con.major
    if c.con.major == 0 and v.major > 0:
        return False
    if c.con.minor > 0 or c.patch_dirty:
        return v.minor == c.con.minor
    if c.con.minor == 0 and v.minor > 0:
        return False
    return c.con.patch == v.patch


_FUNCS: dict[str, Callable[[Version, Term], bool]] = {
    "": _tilde_or_equal, "=": _tilde_or_equal, "!=": _ne, ">": _gt, "<": _lt, ">=": _ge, "=>": _ge,
    "<=": _le, "=<": _le, "~": _tilde, "~>": _tilde, "^": _caret,
}


@dataclasses.dataclass(frozen=True)
class Constraints:
    source: str
    groups: tuple[tuple[Term, ...], ...]
    group_has_pre: tuple[bool, ...]

    def check(self, v: Version) -> bool:
        pre = v.prerelease
        for terms, has_pre in zip(self.groups, self.group_has_pre):
            if pre and not has_pre:
                continue
            for t in terms:
                if not t.test(v):
                    break
            else:
                return True
        return False

    def explain(self, v: Version) -> str | None:
        """None when admitted, else why not (the first failing term of the closest group)."""
        reasons = []
        for terms, has_pre in zip(self.groups, self.group_has_pre):
            if v.prerelease and not has_pre:
                reasons.append(f"prerelease not admitted by '{' '.join(map(str, terms))}' "
                               "(no term of that group carries a prerelease; add -0, e.g. >=1.0.0-0)")
                continue
            failed = next((t for t in terms if not _FUNCS[t.op](v, t)), None)
            if failed is None:
                return None
            reasons.append(f"outside {failed}")
        return "; ".join(reasons) if len(reasons) <= 1 else reasons[0]


def _bounds(terms: tuple[Term, ...]) -> str | None:
    """Why no version can satisfy every term of one group (None when some may, or when unsure): the
    greatest lower bound above the least upper bound, from the terms whose bounds are plain."""
    lo: tuple[Version, bool] | None = None  # (version, strict)
    hi: tuple[Version, bool] | None = None
    for t in terms:
        low = high = None
        if t.op in (">=", "=>", "~", "~>", "^") or (t.op == ">" and not t.dirty):
            low = (t.con, t.op == ">")
        if t.op == "<" or (t.op in ("<=", "=<") and not t.dirty):
            high = (t.con, t.op == "<")
        if t.op in ("", "=") and not t.dirty:
            low = high = (t.con, False)
        if low and (lo is None or low[0].key > lo[0].key or (low[0].key == lo[0].key and low[1])):
            lo = low
        if high and (hi is None or high[0].key < hi[0].key or (high[0].key == hi[0].key and high[1])):
            hi = high
    if lo is None or hi is None:
        return None
    if lo[0].key > hi[0].key or (lo[0].key == hi[0].key and (lo[1] or hi[1])):
        return f"the lower bound {lo[0]} is {'not below' if lo[0].key == hi[0].key else 'above'} the upper bound {hi[0]}"
    return None


def empty(c: Constraints) -> str | None:
    """Why nothing can satisfy the range (every `||` group's bounds cross), or None."""
    whys = [_bounds(g) for g in c.groups]
    if not whys or any(w is None for w in whys):
        return None
    return whys[0] if len(whys) == 1 else "in every || group " + "; ".join(w for w in whys if w)


@functools.lru_cache(maxsize=1024)
def parse(c: str) -> Constraints:
    """Masterminds NewConstraint. Raises ConstraintError with Masterminds' message."""
    if len(c) > MAX_RANGE_LEN:
        raise ConstraintError(f"constraint string is too long (max {MAX_RANGE_LEN} bytes)")
    if not c.isascii():
        # Masterminds' grammar is ASCII; anything else cannot match it
        raise ConstraintError(f'improper constraint: "{c}"')
    _, _, find, valid = _regexes()
    c = _rewrite_range(c)
    ors = c.split("||")
    if len(ors) > MAX_GROUPS:
        raise ConstraintError(f"too many constraint groups (max {MAX_GROUPS})")
    groups, has_pre = [], []
    for part in ors:
        if valid.search(part) is None:
            raise ConstraintError(f'improper constraint: "{part}"')
        found = [_group(m, 0) for m in _finditer(find, part)] or [part]
        terms = tuple(_parse_term(s) for s in found)
        groups.append(terms)
        has_pre.append(any(t.con.prerelease for t in terms))
    return Constraints(c, tuple(groups), tuple(has_pre))
