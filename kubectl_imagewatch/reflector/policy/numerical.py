"""Numerical policy: Go strconv.ParseFloat and Flux's walk (internal/policy/numerical.go).

One candidate that ParseFloat rejects fails the whole policy. Python's float() accepts spaces,
rejects hex floats and turns 1e309 into inf, so the grammar is mirrored here instead.
"""
from __future__ import annotations

import math
from typing import Optional


def _underscore_ok(s: str) -> bool:
    saw = "^"
    i = 0
    if s[:1] in ("-", "+"):
        s = s[1:]
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i, saw, hexa = 2, "0", s[1].lower() == "x"
    while i < len(s):
        c = s[i]
        if "0" <= c <= "9" or (hexa and "a" <= c.lower() <= "f"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        else:
            if saw == "_":
                return False
            saw = "!"
        i += 1
    return saw != "_"


def _special(s: str) -> Optional[float]:
    body, sign = s, 1.0
    if body[:1] in "+-":
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:]
        if body.lower() in ("inf", "infinity"):
            return math.copysign(math.inf, sign)
        return None
    if body.lower() in ("inf", "infinity"):
        return math.inf
    if body.lower() == "nan":
        return math.nan
    return None


def parse_float(s: str) -> Optional[float]:
    """strconv.ParseFloat(s, 64); None where Go returns an error (syntax or range)."""
    if not s or not s.isascii():
        return None
    sp = _special(s)
    if sp is not None:
        return sp
    i, n = 0, len(s)
    if s[0] in "+-":
        i = 1
    hexa = i + 2 < n + 1 and s[i:i + 2].lower() == "0x" and i + 2 < n
    if hexa:
        i += 2
    digits = "0123456789abcdefABCDEF" if hexa else "0123456789"
    saw_digits = saw_dot = False
    while i < n:
        c = s[i]
        if c == "_":
            i += 1
            continue
        if c == ".":
            if saw_dot:
                break
            saw_dot = True
        elif c in digits:
            saw_digits = True
        else:
            break
        i += 1
    if not saw_digits:
        return None
    exp_char = "p" if hexa else "e"
    if i < n and s[i].lower() == exp_char:
        i += 1
        if i < n and s[i] in "+-":
            i += 1
        if i >= n or not s[i].isdigit():
            return None
        while i < n and (s[i].isdigit() or s[i] == "_"):
            i += 1
    elif hexa:
        return None
    if i != n:
        return None
    if "_" in s and not _underscore_ok(s):
        return None
    clean = s.replace("_", "")
    try:
        v = float.fromhex(clean) if hexa else float(clean)
    except (OverflowError, ValueError):
        return None
    if math.isinf(v):
        return None  # a finite literal beyond float64: ErrRange
    return v


def latest(values: list[str], order: str) -> str:
    """Flux's walk over already-parsed candidates: equal values replace (last wins)."""
    best, bv = "", 0.0
    for i, v in enumerate(values):
        cv = parse_float(v)
        assert cv is not None
        if i > 0 and ((order == "ASC" and cv < bv) or (order == "DESC" and cv > bv)):
            continue
        best, bv = v, cv
    return best
