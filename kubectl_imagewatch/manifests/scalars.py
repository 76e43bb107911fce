"""How a plain YAML scalar resolves under the rules Kubernetes and Flux use (go-yaml v2, YAML 1.1).

kubectl and Flux's kyaml read `yes`, `on`, `017`, `1_000`, `2024-01-01` as non-strings. The loader
uses this to build the data the API server would see; the setters use it to decide when a new
value must be double-quoted to stay a string (what Flux's FormatNonStringStyle does).
"""
from __future__ import annotations

import re
from typing import Any

_BOOL_TRUE = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"}
_BOOL_FALSE = {"n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"}
_NULL = {"", "~", "null", "Null", "NULL"}
_INF = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"}
_NINF = {"-.inf", "-.Inf", "-.INF"}
_NAN = {".nan", ".NaN", ".NAN"}
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
                        r"(([Tt]| +)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]*)?"
                        r"(\s*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?\Z")
_INT_BODY = re.compile(r"[-+]?(0[bB][01_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|0[0-7_]*|[1-9][0-9_]*)\Z")


def _go_parse_int(s: str) -> int | None:
    """strconv.ParseInt(s, 0, 64) (base prefixes, underscores between digits)."""
    if not _INT_BODY.match(s):
        return None
    body = s.lstrip("+-")
    if "_" in body:
        if body.startswith("_") or body.endswith("_") or "__" in body:
            return None
    neg = s.startswith("-")
    clean = body.replace("_", "")
    try:
        if clean[:2].lower() == "0x":
            v = int(clean[2:], 16)
        elif clean[:2].lower() == "0o":
            v = int(clean[2:], 8)
        elif clean[:2].lower() == "0b":
            v = int(clean[2:], 2)
        elif len(clean) > 1 and clean[0] == "0":
            v = int(clean[1:], 8)
        else:
            v = int(clean, 10)
    except ValueError:
        return None
    v = -v if neg else v
    if not -(1 << 63) <= v < (1 << 64):
        return None
    return v


def resolve(plain: str) -> tuple[str, Any]:
    """(tag, value) of a plain scalar: tag is one of str, bool, null, int, float, timestamp, merge."""
    if plain in _NULL:
        return "null", None
    if plain in _BOOL_TRUE:
        return "bool", True
    if plain in _BOOL_FALSE:
        return "bool", False
    if plain in _INF:
        return "float", float("inf")
    if plain in _NINF:
        return "float", float("-inf")
    if plain in _NAN:
        return "float", float("nan")
    if plain == "<<":
        return "merge", plain
    c = plain[0]
    if c.isdigit() or c in "+-.":
        if _TIMESTAMP.match(plain):
            return "timestamp", plain
        iv = _go_parse_int(plain)
        if iv is not None:
            return "int", iv
        if _FLOAT.match(plain.replace("_", "")) and (plain[0] != "_"):
            try:
                return "float", float(plain.replace("_", ""))
            except ValueError:
                pass
    return "str", plain


def needs_quotes(value: str) -> bool:
    """True when `value` written plain would not read back as the same string.

    Covers type changes (YAML 1.1 and 1.2) and values a plain scalar cannot hold at all.
    """
    if resolve(value)[0] != "str":
        return True
    if value != value.strip() or "\n" in value:
        return True
    if value[0] in "-?:,[]{}#&*!|>'\"%@`" and not (value[0] in "-?:" and len(value) > 1 and value[1] not in " \t"):
        return True
    if ": " in value or " #" in value or value.endswith(":"):
        return True
    return False
