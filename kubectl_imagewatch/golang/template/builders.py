"""sprig functions that build strings, lists and numbers: Go's int64 arithmetic, sizes bounded first.

`until 100000000`, `repeat 1000000000 "x"` and `mul $x $x` forty times would allocate gigabytes
(or square big integers) before any output cap could see them; here every builder asks
budget.need for its final size before allocating, and integers wrap at 64 bits as Go's int64 does.
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable

from kubectl_imagewatch.golang.template.budget import need
from kubectl_imagewatch.golang.template.parser import CallError
from kubectl_imagewatch.golang.template.values import MISSING, deep_equal, fmt_v, type_name

_INT_TEXT = re.compile(r"[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]*|[1-9][0-9_]*)\Z")


def wrap64(v: int) -> int:
    """Go int64 overflow: wraps around."""
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


def to_int64(v: Any) -> int:
    """spf13/cast ToInt64 as sprig uses it: unparsable -> 0."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return wrap64(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v) or abs(v) >= 2.0 ** 63:
            return -(1 << 63)  # what Go's float64 -> int64 conversion gives on amd64
        return int(v)
    if isinstance(v, str):
        return _parse_int(v)
    return 0


def _parse_int(s: str) -> int:
    """strconv.ParseInt(trimZeroDecimal(s), 0, 64), 0 on any error."""
    if "." in s and s.rstrip("0").endswith(".") and s.endswith("0"):
        s = s.rstrip("0")[:-1]
    if len(s) > 100 or not _INT_TEXT.match(s):
        return 0
    body = s.lstrip("+-")
    if "_" in body and body[:2].lower() not in ("0x", "0b", "0o") and not body.startswith("0"):
        return 0
    try:
        v = int(body.replace("_", ""), 0) if not (len(body) > 1 and body[0] == "0" and body[1].isdigit()) \
            else int(body.replace("_", ""), 8)
    except ValueError:
        return 0
    v = -v if s.startswith("-") else v
    return v if -(1 << 63) <= v < 1 << 63 else 0


def _int_arg(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise CallError(f"wrong type for value; expected int; got {type_name(v)}")
    return v


def _s(v: Any) -> str:
    if isinstance(v, str):
        return v
    return "" if v is None or v is MISSING else fmt_v(v)


def repeat(count: Any, s: Any) -> str:
    n, text = _int_arg(count), _s(s)
    if n < 0:
        raise CallError("strings: negative Repeat count")
    need(n * len(text), "repeat")
    return text * n


def until_step(start: Any, stop: Any, step: Any) -> list:
    a, b, st = (_int_arg(x) for x in (start, stop, step))
    if (b < a and st >= 0) or (b >= a and st <= 0):
        return []
    need(len(range(a, b, st)), "untilStep")
    return list(range(a, b, st))


def until(count: Any) -> list:
    n = _int_arg(count)
    return until_step(0, n, -1 if n < 0 else 1)


def seq(*params: Any) -> str:
    p = [_int_arg(x) for x in params]
    if len(p) == 1:
        inc = -1 if p[0] < 1 else 1
        nums = until_step(1, p[0] + inc, inc)
    elif len(p) == 2:
        inc = -1 if p[1] < p[0] else 1
        nums = until_step(p[0], p[1] + inc, inc)
    elif len(p) == 3:
        inc = 1
        if p[2] < p[0]:
            inc = -1
            if p[1] > 0:
                return ""
        nums = until_step(p[0], p[2] + inc, p[1])
    else:
        return ""
    return " ".join(str(x) for x in nums)


def indent(spaces: Any, v: Any) -> str:
    n, text = _int_arg(spaces), _s(v)
    pad = " " * need(max(n, 0), "indent")
    need(len(text) + max(n, 0) * (text.count("\n") + 1), "indent")
    return pad + text.replace("\n", "\n" + pad)


def replace(old: Any, new: Any, src: Any) -> str:
    o, n, s = _s(old), _s(new), _s(src)
    count = len(s) + 1 if o == "" else s.count(o)
    need(len(s) + count * max(len(n) - len(o), 0), "replace")
    return s.replace(o, n)


def _list_arg(v: Any, name: str) -> list:
    if isinstance(v, (list, tuple)):
        return list(v)
    raise CallError(f"Cannot find {name} on type {type_name(v)}")


def concat(*lists: Any) -> list:
    parts = [_list_arg(x, "concat") for x in lists]
    need(sum(len(p) for p in parts), "concat")
    return [x for p in parts for x in p]


def append(v: Any, x: Any) -> list:
    lst = _list_arg(v, "append")
    need(len(lst) + 1, "append")
    return lst + [x]


def prepend(v: Any, x: Any) -> list:
    lst = _list_arg(v, "prepend")
    need(len(lst) + 1, "prepend")
    return [x] + lst


def splitn(sep: Any, n: Any, s: Any) -> dict:
    count, text, sp = _int_arg(n), _s(s), _s(sep)
    if count == 0:
        return {}
    parts = text.split(sp, min(count, len(text) + 1) - 1) if count > 0 and sp else (
        text.split(sp) if sp else list(text))
    return {f"_{i}": p for i, p in enumerate(parts)}


def _pairs(a: list, b: list, name: str) -> None:
    """sprig's quadratic list functions (DeepEqual per pair): bounded by the number of pairs."""
    need(len(a) * len(b) // 64, name)


def uniq(v: Any) -> list:
    lst = _list_arg(v, "uniq")
    _pairs(lst, lst, "uniq")
    out: list = []
    for x in lst:
        if not any(deep_equal(x, o) for o in out):
            out.append(x)
    return out


def without(v: Any, *xs: Any) -> list:
    lst = _list_arg(v, "without")
    _pairs(lst, list(xs), "without")
    return [x for x in lst if not any(deep_equal(x, o) for o in xs)]


def _div(a: Any, b: Any) -> int:
    x, y = to_int64(a), to_int64(b)
    if y == 0:
        raise CallError("runtime error: integer divide by zero")
    q = abs(x) // abs(y)
    return wrap64(q if (x < 0) == (y < 0) else -q)


def _mod(a: Any, b: Any) -> int:
    x, y = to_int64(a), to_int64(b)
    if y == 0:
        raise CallError("runtime error: integer divide by zero")
    return wrap64(x - y * int(_div(x, y)))


def _mul(first: Any, *rest: Any) -> int:
    v = to_int64(first)
    for r in rest:
        v = wrap64(v * to_int64(r))
    return v


def _extreme(pick: Callable[..., int]) -> Callable[..., int]:
    return lambda first, *rest: pick([to_int64(first)] + [to_int64(r) for r in rest])


BUILDERS: dict[str, Callable[..., Any]] = {
    "repeat": repeat, "until": until, "untilStep": until_step, "seq": seq, "indent": indent,
    "nindent": lambda n, v: "\n" + indent(n, v), "replace": replace, "concat": concat,
    "append": append, "push": append, "prepend": prepend, "splitn": splitn, "uniq": uniq, "without": without,
    "add": lambda *a: wrap64(sum(to_int64(x) for x in a)), "add1": lambda a: wrap64(to_int64(a) + 1),
    "sub": lambda a, b: wrap64(to_int64(a) - to_int64(b)), "mul": _mul, "div": _div, "mod": _mod,
    "max": _extreme(max), "biggest": _extreme(max), "min": _extreme(min),
    "int": to_int64, "int64": to_int64, "atoi": lambda s: _parse_int(_s(s)) if isinstance(s, str) else 0,
}
