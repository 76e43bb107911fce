"""Go values as templates see them, and how fmt prints them (%v, Sprint, Sprintln).

Go structs are GoStruct (ordered fields, promoted embedded fields, no-argument methods, an
optional String()); maps are dicts whose keys print and range in sorted order; slices are lists.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional


class _Missing:
    """A map lookup that found nothing: prints as <no value>."""

    def __repr__(self) -> str:
        return "<no value>"


MISSING = _Missing()


class StrMap(dict):
    """A Go map[string]string (e.g. .Values): sprig's dict functions refuse it, as in Go."""


class GoStruct:
    def __init__(self, type_name: str, fields: dict, methods: Optional[dict] = None,
                 stringer: Optional[Callable[[], str]] = None, embedded: tuple = ()) -> None:
        self.type_name = type_name
        self.fields = fields
        self.methods = methods or {}
        self.stringer = stringer
        self.embedded = embedded  # names of fields whose fields are promoted

    def lookup(self, name: str) -> tuple[bool, Any]:
        if name in self.fields:
            return True, self.fields[name]
        if name in self.methods:
            return True, self.methods[name]()
        for e in self.embedded:
            inner = self.fields.get(e)
            if isinstance(inner, GoStruct):
                ok, v = inner.lookup(name)
                if ok:
                    return True, v
        return False, None

    def key(self) -> tuple:
        return tuple(v.key() if isinstance(v, GoStruct) else v for v in self.fields.values())

    def __hash__(self) -> int:
        return hash(self.key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoStruct) and self.key() == other.key()

    def __lt__(self, other: "GoStruct") -> bool:
        return self.key() < other.key()

    def __repr__(self) -> str:
        return fmt_v(self)


def fmt_float(f: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64) as %v prints it."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "0" if math.copysign(1, f) > 0 else "-0"
    r = repr(f)
    mant, _, exp = r.partition("e")
    sign = "-" if mant.startswith("-") else ""
    mant = mant.lstrip("-")
    digits = mant.replace(".", "").lstrip("0") or "0"
    if exp:
        e10 = int(exp)
        point = (mant.index(".") if "." in mant else len(mant)) + e10
    else:
        ip, _, fp = mant.partition(".")
        if ip.strip("0"):
            point = len(ip.lstrip("0"))
        else:
            point = -(len(fp) - len(fp.lstrip("0")))
        digits = (ip + fp).lstrip("0")
    digits = digits.rstrip("0") or "0"
    x = point - 1
    if x < -4 or x >= 6:  # strconv 'g', shortest: precision 6 decides
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{m}e{'+' if x >= 0 else '-'}{abs(x):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


MAX_FORMATTED = 1 << 20  # characters %v may produce: a list holding itself twice, 40 times over, is 2^40


class TooLarge(ValueError):
    pass


def fmt_v(v: Any, top: bool = True) -> str:
    """fmt's %v; refuses (TooLarge) to build more than MAX_FORMATTED characters."""
    if isinstance(v, str):
        return v
    return _fmt(v, [MAX_FORMATTED], {})


def _fmt(v: Any, budget: list, seen: dict) -> str:
    """budget: characters left; seen: id -> text of collections already printed (shared ones print once)."""
    if isinstance(v, (list, tuple, dict, GoStruct)) and id(v) in seen:
        out = seen[id(v)]
    else:
        out = _fmt_new(v, budget, seen)
        if isinstance(v, (list, tuple, dict, GoStruct)):
            seen[id(v)] = out
    budget[0] -= len(out)
    if budget[0] < 0:
        raise TooLarge(f"value is too large to print (over {MAX_FORMATTED} characters)")
    return out


def _fmt_new(v: Any, budget: list, seen: dict) -> str:
    if v is MISSING:
        out = "<no value>"
    elif v is None:
        out = "<nil>"
    elif isinstance(v, bool):
        out = "true" if v else "false"
    elif isinstance(v, int):
        out = str(v) if v.bit_length() < 10_000 else "<huge int>"
    elif isinstance(v, float):
        out = fmt_float(v)
    elif isinstance(v, str):
        out = v
    elif isinstance(v, GoStruct):
        out = v.stringer() if v.stringer is not None else \
            "{" + " ".join(_fmt(x, budget, seen) for x in v.fields.values()) + "}"
    elif isinstance(v, (list, tuple)):
        out = "[" + " ".join(_fmt(x, budget, seen) for x in v) + "]"
    elif isinstance(v, dict):
        out = "map[" + " ".join(f"{_fmt(k, budget, seen)}:{_fmt(v[k], budget, seen)}" for k in sort_keys(v)) + "]"
    elif callable(v):
        out = f"{v!r}"
    else:
        out = str(v)
    return out


def deep_equal(a: Any, b: Any, seen: Optional[set] = None) -> bool:
    """reflect.DeepEqual for template values; pairs already under comparison count as equal (as Go's
    visited map does), so lists sharing sub-lists compare in polynomial time, not exponential."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if not isinstance(a, (list, tuple, dict, GoStruct)):
        return bool(a == b)
    seen = set() if seen is None else seen
    if (id(a), id(b)) in seen:
        return True
    seen.add((id(a), id(b)))
    if isinstance(a, GoStruct):
        return a.type_name == b.type_name and deep_equal(list(a.fields.values()), list(b.fields.values()), seen)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k], seen) for k in a)
    return len(a) == len(b) and all(deep_equal(x, y, seen) for x, y in zip(a, b))


def sort_keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=lambda k: fmt_v(k))


def sprint(*args: Any) -> str:
    out = []
    for i, a in enumerate(args):
        if i > 0 and not isinstance(a, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(fmt_v(a))
    return "".join(out)


def sprintln(*args: Any) -> str:
    return " ".join(fmt_v(a) for a in args) + "\n"


def type_name(v: Any) -> str:
    if v is None or v is MISSING:
        return "<nil>"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, GoStruct):
        return v.type_name
    if isinstance(v, list):
        return "[]interface {}"
    if isinstance(v, StrMap):
        return "map[string]string"
    if isinstance(v, dict):
        return "map[string]interface {}"
    return type(v).__name__


def truth(v: Any) -> bool:
    if v is None or v is MISSING:
        return False
    if isinstance(v, GoStruct):
        return True
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, (str, list, tuple, dict)):
        return len(v) > 0
    return True
