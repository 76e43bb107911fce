"""The CEL rules of Flux's CRDs (`x-kubernetes-validations`), evaluated offline.

Flux's rules are small boolean expressions over `self` (`has()`, `!`, `&&`, `||`, `==`, `!=`,
string literals, field selection). A tiny evaluator for that subset keeps `validate` fast (the
cel-python library costs ~0.3 s to load); any rule outside the subset falls back to cel-python
(extra `[cel]`) or is reported as not evaluated.
"""
from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(?P<num>\d+)|"
                    r"(?P<op>&&|\|\||==|!=|<=|>=|[!().<>,])|(?P<id>[A-Za-z_][A-Za-z0-9_]*))")


class Unsupported(Exception):
    pass


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise Unsupported(text[pos:])
            kind = m.lastgroup or ""
            self.toks.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", "")

    def take(self, val: str | None = None) -> tuple[str, str]:
        t = self.peek()
        if val is not None and t[1] != val:
            raise Unsupported(f"expected {val}")
        self.i += 1
        return t

    def parse(self) -> Any:
        e = self.or_()
        if self.peek()[0] != "eof":
            raise Unsupported("trailing input")
        return e

    def or_(self) -> Any:
        e = self.and_()
        while self.peek()[1] == "||":
            self.take()
            e = ("or", e, self.and_())
        return e

    def and_(self) -> Any:
        e = self.cmp()
        while self.peek()[1] == "&&":
            self.take()
            e = ("and", e, self.cmp())
        return e

    def cmp(self) -> Any:
        e = self.unary()
        if self.peek()[1] in ("==", "!="):
            op = self.take()[1]
            e = (op, e, self.unary())
        return e

    def unary(self) -> Any:
        if self.peek()[1] == "!":
            self.take()
            return ("not", self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, val = self.take()
        if val == "(":
            e = self.or_()
            self.take(")")
        elif kind == "str":
            e = ("lit", bytes(val[1:-1], "utf-8").decode("unicode_escape"))
        elif kind == "num":
            e = ("lit", int(val))
        elif val in ("true", "false"):
            e = ("lit", val == "true")
        elif val in ("has", "size"):
            self.take("(")
            arg = self.or_()
            self.take(")")
            e = (val, arg)
        elif kind == "id":
            e = ("var", val)
        else:
            raise Unsupported(val)
        while self.peek()[1] == ".":
            self.take()
            e = ("sel", e, self.take()[1])
        return e


def _eval(e: Any, env: dict) -> Any:
    op = e[0]
    if op == "lit":
        return e[1]
    if op == "var":
        if e[1] not in env:
            raise Unsupported(e[1])
        return env[e[1]]
    if op == "sel":
        base = _eval(e[1], env)
        if not isinstance(base, dict) or e[2] not in base:
            raise KeyError(e[2])
        return base[e[2]]
    if op == "has":
        if e[1][0] != "sel":
            raise Unsupported("has() needs a field selection")
        base = _eval(e[1][1], env)
        return isinstance(base, dict) and e[1][2] in base
    if op == "size":
        return len(_eval(e[1], env))
    if op == "not":
        return not _eval(e[1], env)
    if op in ("or", "and"):  # CEL's commutative logic: an error on one side is absorbed by the deciding value
        decides = op == "or"
        try:
            left = _eval(e[1], env)
        except KeyError:
            left = None
        if left is decides:
            return decides
        right = _eval(e[2], env)
        if right is decides:
            return decides
        if left is None:
            raise KeyError("no such key")
        return not decides
    if op in ("==", "!="):
        eq = _eval(e[1], env) == _eval(e[2], env)
        return eq if op == "==" else not eq
    raise Unsupported(op)


def evaluate(rule: str, self_value: Any) -> bool | None:
    """True/False, or None when the rule could not be evaluated (reported, never guessed)."""
    try:
        return bool(_eval(_Parser(rule).parse(), {"self": self_value}))
    except KeyError:
        return False  # no such key: the API server rejects too
    except Unsupported:
        return _celpy(rule, self_value)


def _celpy(rule: str, self_value: Any) -> bool | None:
    try:
        import celpy  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        env = celpy.Environment()
        prog = env.program(env.compile(rule))
        return bool(prog.evaluate({"self": celpy.json_to_cel(self_value)}))
    except Exception:  # a library error is "not evaluated", not a verdict
        return None
