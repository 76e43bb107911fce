"""Go durations: Go's time.ParseDuration / Duration.String.

Flux's CRDs accept `^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$` (timeout: no `h`; checked by the generated
schemas, IW105); the controllers then parse with time.ParseDuration. `flux create` prints
durations with Duration.String (`1m0s`).
"""
from __future__ import annotations

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
          "m": 60_000_000_000, "h": 3_600_000_000_000}
MAX_NS = (1 << 63) - 1


class DurationError(ValueError):
    pass


def _quote(s: str) -> str:
    """time's quote(): printable ASCII as is, anything else escaped, in double quotes."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))
    out.append('"')
    return "".join(out)


def parse(s: str) -> int:
    """time.ParseDuration: nanoseconds, or DurationError with Go's message (a port of Go's loop).

    Integers overflow exactly where Go's uint64 arithmetic does, so a 5,000-digit number is
    Go's "invalid duration", not a Python big-integer conversion.
    """
    orig = s
    invalid = DurationError(f"time: invalid duration {_quote(orig)}")
    d = 0
    neg = False
    if s and s[0] in "-+":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if s == "":
        raise invalid
    while s:
        i, v = 0, 0
        while i < len(s) and "0" <= s[i] <= "9":  # leadingInt
            if v > (1 << 63) // 10:
                raise invalid
            v = v * 10 + ord(s[i]) - 48
            if v > 1 << 63:
                raise invalid
            i += 1
        pre = i > 0
        s = s[i:]
        f, scale, post = 0, 1.0, False
        if s.startswith("."):
            s = s[1:]
            i, overflow = 0, False
            while i < len(s) and "0" <= s[i] <= "9":  # leadingFraction
                if not overflow:
                    if f > ((1 << 63) - 1) // 10:
                        overflow = True
                    else:
                        y = f * 10 + ord(s[i]) - 48
                        if y > 1 << 63:
                            overflow = True
                        else:
                            f, scale = y, scale * 10
                i += 1
            post = i > 0
            s = s[i:]
        if not pre and not post:
            raise invalid
        i = 0
        while i < len(s) and not (s[i] == "." or "0" <= s[i] <= "9"):
            i += 1
        if i == 0:
            raise DurationError(f"time: missing unit in duration {_quote(orig)}")
        u, s = s[:i], s[i:]
        if u not in _UNITS:
            raise DurationError(f"time: unknown unit {_quote(u)} in duration {_quote(orig)}")
        unit = _UNITS[u]
        if v > (1 << 63) // unit:
            raise invalid
        v *= unit
        if f > 0:
            v += int(float(f) * (float(unit) / scale))
            if v > 1 << 63:
                raise invalid
        d += v
        if d > 1 << 63:
            raise invalid
    if neg:
        return -d
    if d > MAX_NS:
        raise invalid
    return d


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
