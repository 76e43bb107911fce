"""Go text/template: lexer and parser producing a small node tree.

Follows Go's text/template/parse: `{{`/`}}` actions with `{{- `/` -}}` trim markers, comments,
pipelines with declarations (`$x :=`, `$i, $v :=`, `$x =`), commands with fields, variables,
literals, parenthesised pipelines, and if/else if/range/with/define/template/block/break/continue.
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Optional


class TemplateError(Exception):
    """str() reads like Go's: template: NAME:LINE:COL: ..."""


@dataclasses.dataclass
class Node:
    kind: str  # text, action, if, range, with, template, break, continue, list
    line: int = 0
    text: str = ""
    pipe: Any = None
    body: Any = None
    else_: Any = None
    name: str = ""
    nodes: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Pipe:
    decl: list  # variable names
    assign: bool  # `=` rather than `:=`
    cmds: list  # list of commands; a command is a list of args
    line: int = 0


# arg forms: ("field", [names]), ("var", name, [fields]), ("dot",), ("nil",), ("ident", name),
# ("str", s), ("num", value, text), ("bool", b), ("pipe", Pipe, [fields])

_TOKEN = re.compile(r"""
  (?P<space>[ \t\r\n]+)
| (?P<raw>`[^`]*`)
| (?P<str>"(?:[^"\\\n]|\\.)*")
| (?P<char>'(?:[^'\\\n]|\\.)+')
| (?P<decl>:=)
| (?P<num>[+-]?(?:0[xX][0-9a-fA-F_]+(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9_]+)?|\.[0-9][0-9_]*(?:[eE][+-]?[0-9_]+)?)i?)
| (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
| (?P<var>\$[A-Za-z0-9_]*)
| (?P<dot>\.)
| (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
| (?P<punct>[|(),=])
""", re.X)

KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}


_ESC = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)", re.S)
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\\": "\\",
           '"': '"', "'": "'"}


def _unquote(s: str) -> str:
    """Go string literal (interpreted or raw) -> value."""
    if s.startswith("`"):
        return s[1:-1]

    def rep(m: re.Match) -> str:
        e = m.group(1)
        if e in _SIMPLE:
            return _SIMPLE[e]
        if e[0] in "xuU" and len(e) > 1:
            return chr(int(e[1:], 16))
        if e.isdigit():
            return chr(int(e, 8))
        raise ValueError(f"unknown escape sequence \\{e}")

    return _ESC.sub(rep, s[1:-1])


class _Parser:
    def __init__(self, src: str, name: str) -> None:
        self.src, self.name = src, name
        self.defs: dict[str, Node] = {}
        self.items = self._split()
        self.i = 0

    def err(self, line: int, msg: str) -> TemplateError:
        return TemplateError(f"template: {self.name}:{line}: {msg}")

    def _split(self) -> list[tuple]:
        """Text and action items with trim markers applied: ("text", s, line) / ("action", tokens, line)."""
        out: list[tuple] = []
        pos, src = 0, self.src
        while True:
            start = src.find("{{", pos)
            if start < 0:
                out.append(("text", src[pos:], src.count("\n", 0, pos) + 1))
                break
            text = src[pos:start]
            inner_start = start + 2
            trim_left = src.startswith("- ", inner_start) or src.startswith("-\t", inner_start) or \
                src.startswith("-\n", inner_start) or src.startswith("-\r", inner_start)
            if trim_left:
                text = text.rstrip(" \t\r\n")
                inner_start += 1
            line = src.count("\n", 0, start) + 1
            if text:
                out.append(("text", text, src.count("\n", 0, pos) + 1))
            # comment
            j = inner_start
            while j < len(src) and src[j] in " \t\r\n":
                j += 1
            if src.startswith("/*", j):
                endc = src.find("*/", j + 2)
                if endc < 0:
                    raise self.err(line, "unclosed comment")
                k = endc + 2
                while k < len(src) and src[k] in " \t\r\n":
                    k += 1
                if src.startswith("-}}", k) and k > endc + 2:
                    pos = k + 3
                    pos = self._trim_right(pos)
                elif src.startswith("}}", k):
                    pos = k + 2
                else:
                    raise self.err(line, "comment ends before closing delimiter")
                continue
            tokens, end, trim_right = self._lex_action(inner_start, line)
            out.append(("action", tokens, line))
            pos = end
            if trim_right:
                pos = self._trim_right(pos)
        return out

    def _trim_right(self, pos: int) -> int:
        while pos < len(self.src) and self.src[pos] in " \t\r\n":
            pos += 1
        return pos

    def _lex_action(self, pos: int, line: int) -> tuple[list, int, bool]:
        src = self.src
        toks: list[tuple[str, str]] = []
        paren = 0
        while True:
            if pos >= len(src):
                raise self.err(line, "unclosed action")
            if paren == 0 and src.startswith("}}", pos):
                return toks, pos + 2, False
            if paren == 0 and src[pos] in " \t\r\n":
                k = pos
                while k < len(src) and src[k] in " \t\r\n":
                    k += 1
                if src.startswith("-}}", k):
                    return toks, k + 3, True
            m = _TOKEN.match(src, pos)
            if not m:
                raise self.err(line, f"unexpected {src[pos]!r} in command")
            kind = m.lastgroup or ""
            val = m.group(kind)
            if kind == "space":
                pass
            elif kind == "punct" and val == "(":
                paren += 1
                toks.append((kind, val))
            elif kind == "punct" and val == ")":
                paren -= 1
                if paren < 0:
                    raise self.err(line, "unexpected right paren")
                toks.append((kind, val))
            else:
                toks.append((kind, val))
            pos = m.end()

    # ---- tree building
    def parse(self) -> Node:
        root, stop = self._list(())
        if stop is not None:
            raise self.err(stop[2], f"unexpected {{{{{stop[1][0][1]}}}}}")
        return root

    def _list(self, stops: tuple) -> tuple[Node, Optional[tuple]]:
        lst = Node("list")
        while self.i < len(self.items):
            item = self.items[self.i]
            self.i += 1
            if item[0] == "text":
                lst.nodes.append(Node("text", item[2], text=item[1]))
                continue
            toks, line = item[1], item[2]
            if not toks:
                raise self.err(line, "missing value for command")
            head = toks[0][1] if toks[0][0] == "ident" else None
            if head in ("end", "else"):
                if head not in stops:
                    raise self.err(line, f"unexpected {{{{{head}}}}}")
                return lst, item
            if head in ("if", "range", "with"):
                lst.nodes.append(self._control(head, toks[1:], line))
            elif head in ("define",):
                name = self._string_arg(toks[1:], line, "define")
                body, stop = self._list(("end",))
                if stop is None:
                    raise self.err(line, "unexpected EOF")
                self.defs[name] = body
            elif head in ("template", "block"):
                name = self._string_arg(toks[1:2], line, head)
                rest = toks[2:]
                pipe = self._pipe(rest, line) if rest else None
                if head == "block":
                    body, stop = self._list(("end",))
                    if stop is None:
                        raise self.err(line, "unexpected EOF")
                    self.defs.setdefault(name, body)
                lst.nodes.append(Node("template", line, name=name, pipe=pipe))
            elif head in ("break", "continue"):
                lst.nodes.append(Node(head, line))
            else:
                lst.nodes.append(Node("action", line, pipe=self._pipe(toks, line)))
        if stops:
            raise self.err(self.items[-1][2] if self.items else 1, "unexpected EOF")
        return lst, None

    def _string_arg(self, toks: list, line: int, what: str) -> str:
        if not toks or toks[0][0] not in ("str", "raw"):
            raise self.err(line, f"unexpected name in {what} clause")
        return _unquote(toks[0][1])

    def _control(self, kind: str, toks: list, line: int) -> Node:
        pipe = self._pipe(toks, line)
        body, stop = self._list(("end", "else"))
        if stop is None:
            raise self.err(line, "unexpected EOF")
        node = Node(kind, line, pipe=pipe, body=body)
        if stop[1][0][1] == "else":
            rest = stop[1][1:]
            if rest and rest[0][1] in ("if", "with"):  # else if / else with chain
                sub = self._control(rest[0][1], rest[1:], stop[2])
                node.else_ = Node("list", nodes=[sub])
                return node
            node.else_, stop2 = self._list(("end",))
            if stop2 is None:
                raise self.err(line, "unexpected EOF")
        return node

    def _pipe(self, toks: list, line: int) -> Pipe:
        decl: list[str] = []
        assign = False
        # declarations: $x := / $i, $v := / $x =
        j = 0
        names = []
        while j < len(toks) and toks[j][0] == "var":
            names.append(toks[j][1])
            if j + 1 < len(toks) and toks[j + 1] == ("punct", ","):
                j += 2
                continue
            break
        if names and j + 1 < len(toks) and (toks[j + 1][0] == "decl" or toks[j + 1] == ("punct", "=")):
            decl, assign = names, toks[j + 1][1] == "="
            toks = toks[j + 2:]
        cmds: list[list] = [[]]
        k = 0
        while k < len(toks):
            kind, val = toks[k]
            if (kind, val) == ("punct", "|"):
                if not cmds[-1]:
                    raise self.err(line, "missing command")
                cmds.append([])
                k += 1
                continue
            arg, k = self._operand(toks, k, line)
            cmds[-1].append(arg)
        if not cmds[-1]:
            raise self.err(line, "missing value for command")
        return Pipe(decl, assign, cmds, line)

    def _operand(self, toks: list, k: int, line: int) -> tuple[Any, int]:
        kind, val = toks[k]
        k += 1
        if kind == "field":
            arg: Any = ("field", val.split(".")[1:])
        elif kind == "var":
            fields: list[str] = []
            if k < len(toks) and toks[k][0] == "field":
                fields = toks[k][1].split(".")[1:]
                k += 1
            arg = ("var", val, fields)
        elif kind == "dot":
            arg = ("dot",)
        elif kind in ("str", "raw"):
            arg = ("str", _unquote(val))
        elif kind == "char":
            arg = ("num", ord(_unquote('"' + val[1:-1] + '"')), val)
        elif kind == "num":
            arg = ("num", _number(val, self.err, line), val)
        elif kind == "ident":
            if val in ("true", "false"):
                arg = ("bool", val == "true")
            elif val == "nil":
                arg = ("nil",)
            elif val in KEYWORDS:
                raise self.err(line, f"unexpected <{val}> in command")
            else:
                arg = ("ident", val)
        elif (kind, val) == ("punct", "("):
            depth, start = 1, k
            while k < len(toks) and depth:
                if toks[k] == ("punct", "("):
                    depth += 1
                elif toks[k] == ("punct", ")"):
                    depth -= 1
                k += 1
            if depth:
                raise self.err(line, "unclosed left paren")
            inner = self._pipe(toks[start:k - 1], line)
            fields = []
            if k < len(toks) and toks[k][0] == "field":
                fields = toks[k][1].split(".")[1:]
                k += 1
            arg = ("pipe", inner, fields)
        else:
            raise self.err(line, f"unexpected {val!r} in operand")
        return arg, k


def _number(text: str, err: Any, line: int) -> Any:
    t = text.replace("_", "")
    try:
        if t.lower().startswith(("0x", "-0x", "+0x")) and "p" not in t.lower() and "." not in t:
            return int(t, 16)
        if t.lower().startswith(("0b", "-0b", "+0b")):
            return int(t, 2)
        if t.lower().startswith(("0o", "-0o", "+0o")):
            return int(t, 8)
        if re.fullmatch(r"[+-]?0[0-7]+", t):
            return int(t, 8)
        if re.fullmatch(r"[+-]?[0-9]+", t):
            return int(t)
        if "p" in t.lower():
            return float.fromhex(t)
        return float(t)
    except ValueError:
        raise err(line, f"bad number syntax: {text!r}") from None


@dataclasses.dataclass
class Template:
    name: str
    root: Node
    defs: dict


def parse(src: str, name: str = "commit message") -> Template:
    p = _Parser(src, name)
    root = p.parse()
    return Template(name, root, p.defs)
