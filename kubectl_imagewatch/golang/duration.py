"""Go durations: the CRD pattern Flux enforces and Go's time.ParseDuration / Duration.String.

Flux's CRDs accept `^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$` (timeout: no `h`); the controllers then
parse with time.ParseDuration. `flux create` prints durations with Duration.String (`1m0s`).
"""
from __future__ import annotations

import re

CRD_PATTERN = re.compile(r"([0-9]+(\.[0-9]+)?(ms|s|m|h))+\Z")
TIMEOUT_PATTERN = re.compile(r"([0-9]+(\.[0-9]+)?(ms|s|m))+\Z")

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
MAX_NS = (1 << 63) - 1


class DurationError(ValueError):
    pass


def parse(s: str) -> int:
    """time.ParseDuration: returns nanoseconds or raises DurationError with Go's message."""
    orig = s
    if s in ("0", "+0", "-0"):
        return 0
    neg = False
    if s[:1] in "+-" and s:
        neg = s[0] == "-"
        s = s[1:]
    if not s:
        raise DurationError(f'time: invalid duration "{orig}"')
    total = 0
    pos = 0
    while pos < len(s):
        m = _PART.match(s, pos)
        if not m or m.group(1) in ("", "."):
            if m is None and re.match(r"[0-9.]+\Z", s[pos:]):
                raise DurationError(f'time: missing unit in duration "{orig}"')
            if m is None and re.match(r"[0-9.]+", s[pos:]):
                raise DurationError(f'time: unknown unit "{re.sub(r"^[0-9.]+", "", s[pos:])}" in duration "{orig}"')
            raise DurationError(f'time: invalid duration "{orig}"')
        num, unit = m.group(1), m.group(2)
        whole, _, frac = num.partition(".")
        val = int(whole or "0") * _UNITS[unit]
        if frac:
            val += int(frac) * _UNITS[unit] // (10 ** len(frac))
        total += val
        if total > MAX_NS:
            raise DurationError(f'time: invalid duration "{orig}"')
        pos = m.end()
    return -total if neg else total


def format_ns(ns: int) -> str:
    """Duration.String(): 1m0s, 1h0m0s, 500ms, 0s."""
    if ns == 0:
        return "0s"
    neg = ns < 0
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size or unit == "ns":
                whole, rem = divmod(ns, size)
                frac = f"{rem:0{len(str(size)) - 1}d}".rstrip("0") if size > 1 else ""
                return ("-" if neg else "") + f"{whole}{'.' + frac if frac else ''}{unit}"
    secs, rem = divmod(ns, 1_000_000_000)
    frac = f"{rem:09d}".rstrip("0")
    h, secs = divmod(secs, 3600)
    m, s = divmod(secs, 60)
    out = f"{s}{'.' + frac if frac else ''}s"
    if h:
        out = f"{h}h{m}m" + out
    elif m:
        out = f"{m}m" + out
    return ("-" if neg else "") + out


def normalize(s: str) -> str:
    return format_ns(parse(s))
