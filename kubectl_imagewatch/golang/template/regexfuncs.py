"""sprig's regex functions over Go's regexp (RE2 via golang.regexp), with sprig's error behaviour.

sprig compiles with regexp.MustCompile (a panic, which text/template reports as
"error calling regexFind: regexp: Compile(`(`): ..."), except regexMatch (false on a bad
pattern); the must* variants return Compile's error. Find-all, replace and split are Go's, from
the one FindAll in golang.regexp.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from kubectl_imagewatch.golang.template.parser import CallError, TemplateError
from kubectl_imagewatch.golang.template.values import type_name


def _compile(pattern: Any, must: bool) -> Any:
    from kubectl_imagewatch.golang import regexp

    p = _str(pattern)
    try:
        return regexp.compile(p)
    except regexp.PatternError as e:
        if must:
            raise CallError(str(e)) from None
        quoted = f"`{p}`" if _can_backquote(p) else json.dumps(p, ensure_ascii=False)
        raise CallError(f"regexp: Compile({quoted}): {e}") from None


def _can_backquote(s: str) -> bool:
    """strconv.CanBackquote: regexp.MustCompile's panic quotes the pattern with backquotes when it can."""
    return "`" not in s and "\ufeff" not in s and all(c == "\t" or c.isprintable() for c in s)


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise TemplateError(f"wrong type for value; expected string; got {type_name(v)}")
    return v


def _int(v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TemplateError(f"wrong type for value; expected int; got {type_name(v)}")
    return v


def _match(must: bool) -> Callable[..., bool]:
    def fn(pattern: Any, s: Any) -> bool:
        try:
            rx = _compile(pattern, True)
        except CallError:
            if must:
                raise
            return False  # sprig's regexMatch ignores the compile error
        return bool(rx.matches(_str(s)))
    return fn


def _find_all(must: bool) -> Callable[..., list]:
    return lambda p, s, n: [m.text() for m in _compile(p, must).finditer(_str(s), _int(n))]


def _find(must: bool) -> Callable[..., str]:
    return lambda p, s: next((m.text() for m in _compile(p, must).finditer(_str(s), 1)), "")


def _replace(must: bool, literal: bool) -> Callable[..., str]:
    return lambda p, s, repl: _compile(p, must).replace_all(_str(s), _str(repl), literal)


def _split(must: bool) -> Callable[..., list]:
    return lambda p, s, n: _compile(p, must).split(_str(s), _int(n))


def quote_meta(s: Any) -> str:
    special = set("\\.+*?()|[]{}^$")
    return "".join("\\" + c if c in special else c for c in _str(s))


REGEX_FUNCS: dict[str, Callable[..., Any]] = {"regexQuoteMeta": quote_meta}
for _must, _prefix in ((False, "regex"), (True, "mustRegex")):
    REGEX_FUNCS.update({
        _prefix + "Match": _match(_must), _prefix + "FindAll": _find_all(_must), _prefix + "Find": _find(_must),
        _prefix + "ReplaceAll": _replace(_must, False), _prefix + "ReplaceAllLiteral": _replace(_must, True),
        _prefix + "Split": _split(_must),
    })
