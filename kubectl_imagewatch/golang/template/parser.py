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


class CallError(TemplateError):
    """An error a function returned (or panicked with): Go prefixes it with "error calling NAME: "."""


MAX_NESTING = 200  # control structures and parentheses inside each other (recursion stays bounded)


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
    pos: int = 0  # byte offset in the source, as Go's parse.Pos (what execution errors report)


@dataclasses.dataclass
class Pipe:
    decl: list  # variable names
    assign: bool  # `=` rather than `:=`
    cmds: list  # list of commands; a command is a list of args
    line: int = 0
    pos: int = 0
    cmd_pos: list = dataclasses.field(default_factory=list)  # byte offset of each command


# arg forms (the last item is always the byte offset Go reports for the node):
# ("field", [names], pos), ("var", name, [fields], pos), ("dot", pos), ("nil", pos), ("ident", name, pos),
# ("str", s, pos, quoted), ("num", value, text, pos), ("bool", b, pos), ("pipe", Pipe, [fields], pos)

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
            v = int(e[1:], 16)
            if e[0] != "x" and (v > 0x10FFFF or 0xD800 <= v <= 0xDFFF):  # Go: utf8.ValidRune
                raise SyntaxError_()
            return chr(v) if e[0] != "x" else bytes([v]).decode("latin-1")
        if e.isdigit() and int(e, 8) <= 255:
            return chr(int(e, 8))
        raise SyntaxError_()

    return _ESC.sub(rep, s[1:-1])


class SyntaxError_(ValueError):
    """strconv.Unquote's ErrSyntax: the parser reports Go's "invalid syntax"."""


class _Parser:
    def __init__(self, src: str, name: str) -> None:
        self.src, self.name = src, name
        self.defs: dict[str, Node] = {}
        self.depth = 0
        self.items = self._split()
        self.i = 0

    def err(self, line: int, msg: str) -> TemplateError:
        return TemplateError(f"template: {self.name}:{line}: {msg}")

    def unquote(self, text: str, line: int) -> str:
        try:
            return _unquote(text)
        except SyntaxError_:
            raise self.err(line, "invalid syntax") from None

    def nest(self, line: int) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.err(line, f"template nests more than {MAX_NESTING} levels deep")

    def _split(self) -> list[tuple]:
        """Text and action items with trim markers applied: ("text", s, line) / ("action", tokens, line)."""
        out: list[tuple] = []
        pos, src = 0, self.src
        while True:
            start = src.find("{{", pos)
            if start < 0:
                out.append(("text", src[pos:], src.count("\n", 0, pos) + 1, pos))
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
                out.append(("text", text, src.count("\n", 0, pos) + 1, pos))
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
            out.append(("action", tokens, line, start))
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
        toks: list[tuple[str, str, int]] = []
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
                toks.append((kind, val, pos))
            elif kind == "punct" and val == ")":
                paren -= 1
                if paren < 0:
                    raise self.err(line, "unexpected right paren")
                toks.append((kind, val, pos))
            else:
                toks.append((kind, val, pos))
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
                lst.nodes.append(Node("text", item[2], text=item[1], pos=item[3]))
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
                self.nest(line)
                lst.nodes.append(self._control(head, toks[1:], line))
                self.depth -= 1
            elif head in ("define",):
                name = self._string_arg(toks[1:], line, "define")
                self.nest(line)
                body, stop = self._list(("end",))
                self.depth -= 1
                if stop is None:
                    raise self.err(line, "unexpected EOF")
                self.defs[name] = body
            elif head in ("template", "block"):
                name = self._string_arg(toks[1:2], line, head)
                rest = toks[2:]
                pipe = self._pipe(rest, line) if rest else None
                if head == "block":
                    self.nest(line)
                    body, stop = self._list(("end",))
                    self.depth -= 1
                    if stop is None:
                        raise self.err(line, "unexpected EOF")
                    self.defs.setdefault(name, body)
                lst.nodes.append(Node("template", line, name=name, pipe=pipe,
                                      pos=toks[1][2], text=toks[1][1]))
            elif head in ("break", "continue"):
                lst.nodes.append(Node(head, line, pos=toks[0][2]))
            else:
                lst.nodes.append(Node("action", line, pipe=self._pipe(toks, line), pos=toks[0][2]))
        if stops:
            raise self.err(self.items[-1][2] if self.items else 1, "unexpected EOF")
        return lst, None

    def _string_arg(self, toks: list, line: int, what: str) -> str:
        if not toks or toks[0][0] not in ("str", "raw"):
            raise self.err(line, f"unexpected name in {what} clause")
        return self.unquote(toks[0][1], line)

    def _control(self, kind: str, toks: list, line: int) -> Node:
        pipe = self._pipe(toks, line)
        body, stop = self._list(("end", "else"))
        if stop is None:
            raise self.err(line, "unexpected EOF")
        node = Node(kind, line, pipe=pipe, body=body, pos=pipe.pos)
        if stop[1][0][1] == "else":
            rest = stop[1][1:]
            if rest and rest[0][1] in ("if", "with"):  # else if / else with chain
                self.nest(stop[2])
                sub = self._control(rest[0][1], rest[1:], stop[2])
                self.depth -= 1
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
            if j + 1 < len(toks) and toks[j + 1][:2] == ("punct", ","):
                j += 2
                continue
            break
        if names and j + 1 < len(toks) and (toks[j + 1][0] == "decl" or toks[j + 1][:2] == ("punct", "=")):
            decl, assign = names, toks[j + 1][1] == "="
            toks = toks[j + 2:]
        cmds: list[list] = [[]]
        cmd_pos: list[int] = []
        k = 0
        while k < len(toks):
            kind, val, pos = toks[k]
            if (kind, val) == ("punct", "|"):
                if not cmds[-1]:
                    raise self.err(line, "missing command")
                cmds.append([])
                k += 1
                continue
            if not cmds[-1]:
                cmd_pos.append(pos)
            arg, k = self._operand(toks, k, line)
            cmds[-1].append(arg)
        if not cmds[-1]:
            raise self.err(line, "missing value for command")
        return Pipe(decl, assign, cmds, line, cmd_pos[0] if cmd_pos else 0, cmd_pos)

    def _operand(self, toks: list, k: int, line: int) -> tuple[Any, int]:
        kind, val, pos = toks[k]
        k += 1
        if kind == "field":
            names = val.split(".")[1:]
            # Go re-creates a chained field at the position of its second element
            arg: Any = ("field", names, pos + 1 + len(names[0]) if len(names) > 1 else pos)
        elif kind == "var":
            fields: list[str] = []
            at = pos
            if k < len(toks) and toks[k][0] == "field":
                fields, at = toks[k][1].split(".")[1:], toks[k][2]
                k += 1
            arg = ("var", val, fields, at)
        elif kind == "dot":
            arg = ("dot", pos)
        elif kind in ("str", "raw"):
            arg = ("str", self.unquote(val, line), pos, val)
        elif kind == "char":
            try:
                ch = _unquote('"' + val[1:-1] + '"') if val[1:-1] != '"' else '"'
            except SyntaxError_:
                ch = ""
            if len(ch) != 1:
                raise self.err(line, f"malformed character constant: {val}")
            arg = ("num", ord(ch), val, pos)
        elif kind == "num":
            arg = ("num", _number(val, self.err, line), val, pos)
        elif kind == "ident":
            if val in ("true", "false"):
                arg = ("bool", val == "true", pos)
            elif val == "nil":
                arg = ("nil", pos)
            elif val in KEYWORDS:
                raise self.err(line, f"unexpected <{val}> in command")
            else:
                arg = ("ident", val, pos)
        elif (kind, val) == ("punct", "("):
            depth, start = 1, k
            while k < len(toks) and depth:
                if toks[k][:2] == ("punct", "("):
                    depth += 1
                elif toks[k][:2] == ("punct", ")"):
                    depth -= 1
                k += 1
            if depth:
                raise self.err(line, "unclosed left paren")
            self.nest(line)
            inner = self._pipe(toks[start:k - 1], line)
            self.depth -= 1
            fields = []
            at = inner.pos
            if k < len(toks) and toks[k][0] == "field":
                fields, at = toks[k][1].split(".")[1:], toks[k][2]
                k += 1
            arg = ("pipe", inner, fields, at)
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
        value = float.fromhex(t) if "p" in t.lower() else float(t)
    except (ValueError, OverflowError):
        raise err(line, f'illegal number syntax: "{text}"') from None
    if value in (float("inf"), float("-inf")):
        raise err(line, f'illegal number syntax: "{text}"')
    return value


@dataclasses.dataclass
class Template:
    name: str
    root: Node
    defs: dict
    text: str = ""  # the source: execution errors report line:col from node offsets, as Go does

    def location(self, pos: int) -> str:
        """Go's ErrorContext location: NAME:LINE:COL, COL a 0-based byte offset within the line."""
        before = self.text[:pos].encode("utf-8", "surrogatepass")
        nl = before.rfind(b"\n")
        col = len(before) if nl < 0 else len(before) - nl - 1
        line = before.count(b"\n") + 1
        return f"{self.name}:{line}:{col}"


def parse(src: str, name: str = "commit message") -> Template:
    """Parse; every failure is a TemplateError in Go's words, never a Python exception."""
    if not isinstance(src, str):  # messageTemplate: 5 in a manifest (the API server refuses it)
        raise TemplateError(f"template: {name}: the template is a {type(src).__name__}, not a string")
    try:
        p = _Parser(src, name)
        root = p.parse()
    except TemplateError:
        raise
    except RecursionError:
        raise TemplateError(f"template: {name}: template nests too deeply") from None
    except Exception as e:  # a gap in this parser must still read as a template error, not a crash
        raise TemplateError(f"template: {name}: {e}") from None
    return Template(name, root, p.defs, src)
