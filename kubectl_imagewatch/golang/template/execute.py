"""Executing a parsed template against Go-shaped data, with Go's error texts where they matter."""
from __future__ import annotations

import re
from typing import Any

from kubectl_imagewatch.golang.template import budget
from kubectl_imagewatch.golang.template.parser import CallError, Node, Pipe, Template, TemplateError
from kubectl_imagewatch.golang.template.show import arg_str, cmd_str, node_str
from kubectl_imagewatch.golang.template.values import MISSING, GoStruct, TooLarge, fmt_v, sort_keys, truth, type_name

MAX_OUTPUT = budget.MAX_OUTPUT
MAX_STEPS = 1_000_000
MAX_EXEC_DEPTH = 100_000  # Go's limit, quoted in its message; Python's recursion limit ends far sooner


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class ExecError(TemplateError):
    pass


class _State:
    def __init__(self, tmpl: Template, funcs: dict, root: Any) -> None:
        self.tmpl, self.funcs, self.root = tmpl, funcs, root
        self.vars: list[tuple[str, Any]] = [("$", root)]
        self.out: list[str] = []
        self.size = 0
        self.steps = 0
        self.current = tmpl.name  # the template being executed (a {{define}}d one inside {{template}})
        self.pos = 0  # the node Go would blame (s.at): its byte offset and its String()
        self.at = ""

    def at_node(self, pos: int, text: str) -> None:
        self.pos, self.at = pos, text

    def err(self, msg: str) -> ExecError:
        where = self.tmpl.location(self.pos)
        return ExecError(f'template: {where}: executing "{self.current}" at <{self.at}>: {msg}')

    def write(self, s: str) -> None:
        self.size += len(s)
        if self.size > MAX_OUTPUT:
            raise self.err("output exceeds 1 MiB")
        self.out.append(s)

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.err("template runs too long")

    # ---- statements
    def run(self, node: Node, dot: Any) -> None:
        self.tick()
        k = node.kind
        if k == "list":
            for n in node.nodes:
                self.run(n, dot)
        elif k == "text":
            self.write(node.text)
        elif k == "action":
            val = self.pipe(node.pipe, dot)
            if not node.pipe.decl:
                self.write(fmt_v(val))
        elif k in ("if", "with"):
            mark = len(self.vars)
            val = self.pipe(node.pipe, dot)
            if truth(val):
                self.run(node.body, val if k == "with" else dot)
            elif node.else_ is not None:
                self.run(node.else_, dot)
            del self.vars[mark:]
        elif k == "range":
            self._range(node, dot)
        elif k == "template":
            self.at_node(node.pos, node_str(node))
            body = self.tmpl.defs.get(node.name)
            if body is None:
                raise self.err(f'template "{node.name}" not defined')
            arg = self.pipe(node.pipe, dot) if node.pipe else None
            saved, saved_name = self.vars, self.current
            self.vars, self.current = [("$", arg)], node.name
            try:
                self.run(body, arg)
            except RecursionError:
                self.at_node(node.pos, node_str(node))
                raise self.err(f"exceeded maximum template depth ({MAX_EXEC_DEPTH})") from None
            finally:
                self.vars, self.current = saved, saved_name
        elif k == "break":
            raise _Break()
        elif k == "continue":
            raise _Continue()

    def _range(self, node: Node, dot: Any) -> None:
        self.at_node(node.pos, node_str(node))
        mark = len(self.vars)
        pipe = node.pipe
        val = self.pipe(Pipe([], False, pipe.cmds, pipe.line, pipe.pos, pipe.cmd_pos), dot)
        items: Any
        if isinstance(val, dict):
            items = [(k, val[k]) for k in sort_keys(val)]
        elif isinstance(val, (list, tuple, str)) and not isinstance(val, str):
            items = list(enumerate(val))
        elif isinstance(val, bool):
            self.at_node(node.pos, node_str(node))
            raise self.err(f"range can't iterate over {fmt_v(val)}")
        elif isinstance(val, int):
            items = ((i, i) for i in range(val)) if val > 0 else []  # lazily: the step budget ends `range 10**8`
        elif val is None or val is MISSING:
            items = []
        else:
            self.at_node(node.pos, node_str(node))
            raise self.err(f"range can't iterate over {fmt_v(val)}")
        if isinstance(items, list) and not items:
            if node.else_ is not None:
                self.run(node.else_, dot)
            return
        for k, v in items:
            if len(pipe.decl) == 1:
                self.vars.append((pipe.decl[0], v if not isinstance(val, int) or isinstance(val, bool) else k))
            elif len(pipe.decl) == 2:
                self.vars.append((pipe.decl[0], k))
                self.vars.append((pipe.decl[1], v))
            try:
                self.run(node.body, v)
            except _Break:
                del self.vars[mark:]
                break
            except _Continue:
                pass
            del self.vars[mark:]
        del self.vars[mark:]

    # ---- expressions
    def pipe(self, p: Pipe, dot: Any) -> Any:
        val: Any = None
        first = True
        for i, cmd in enumerate(p.cmds):
            val = self.command(cmd, dot, None if first else val, not first,
                               p.cmd_pos[i] if i < len(p.cmd_pos) else p.pos)
            first = False
        for name in p.decl:
            if p.assign:
                for i in range(len(self.vars) - 1, -1, -1):
                    if self.vars[i][0] == name:
                        self.vars[i] = (name, val)
                        break
                else:
                    raise self.err(f"undefined variable: {name}")
            else:
                self.vars.append((name, val))
        return val

    def var(self, name: str) -> Any:
        for n, v in reversed(self.vars):
            if n == name:
                return v
        raise self.err(f"undefined variable: {name}")

    def command(self, cmd: list, dot: Any, final: Any, has_final: bool, pos: int = 0) -> Any:
        head = cmd[0]
        if head[0] == "ident":
            name = head[1]
            self.at_node(head[-1], name)
            fn = self.funcs.get(name)
            if fn is None:
                raise self.err(f'function "{name}" not defined')
            if name in ("and", "or"):
                return self._andor(name, cmd[1:], dot, final, has_final)
            args = [self.arg(a, dot) for a in cmd[1:]]
            if has_final:
                args.append(final)
            try:
                result = fn(*args)
                budget.charge(result)
                return result
            except (ExecError, _Break, _Continue):
                raise
            except CallError as e:
                self.at_node(pos, cmd_str(cmd))
                raise self.err(f"error calling {name}: {e}") from None
            except TemplateError as e:
                raise self.err(str(e)) from None
            except RecursionError:
                self.at_node(pos, cmd_str(cmd))
                raise self.err(f"error calling {name}: value nests too deeply") from None
            except Exception as e:  # any other failure inside a function is that call's error, as in Go
                self.at_node(pos, cmd_str(cmd))
                raise self.err(f"error calling {name}: {e}") from None
        if len(cmd) > 1 or has_final:
            if head[0] in ("field", "var") or head[0] == "pipe":
                raise self.err("can't give argument to non-function " + self._show(head))
            raise self.err("can't give argument to non-function")
        return self.arg(head, dot)

    def _andor(self, name: str, args: list, dot: Any, final: Any, has_final: bool) -> Any:
        vals: list = [lambda a=a: self.arg(a, dot) for a in args]
        if has_final:
            vals.append(lambda: final)
        if not vals:
            raise self.err(f"wrong number of args for {name}: want at least 1 got 0")
        v: Any = None
        for get in vals:
            v = get()
            if (name == "and" and not truth(v)) or (name == "or" and truth(v)):
                return v
        return v

    def _show(self, a: tuple) -> str:
        if a[0] == "field":
            return "." + ".".join(a[1])
        if a[0] == "var":
            return a[1] + "".join("." + f for f in a[2])
        return "(...)"

    def arg(self, a: tuple, dot: Any) -> Any:
        kind = a[0]
        if kind == "field":
            self.at_node(a[-1], arg_str(a))
            return self.fields(dot, a[1])
        if kind == "var":
            self.at_node(a[-1], arg_str(a))
            return self.fields(self.var(a[1]), a[2])
        if kind == "dot":
            return dot
        if kind == "nil":
            self.at_node(a[-1], "nil")
            raise self.err("nil is not a command")
        if kind in ("str", "num", "bool"):
            return a[1]
        if kind == "ident":
            fn = self.funcs.get(a[1])
            if fn is None:
                raise self.err(f'function "{a[1]}" not defined')
            return self.command([a], dot, None, False)
        if kind == "pipe":
            mark = len(self.vars)
            v = self.pipe(a[1], dot)
            del self.vars[mark:]
            if a[2]:
                self.at_node(a[-1], arg_str(a))
            return self.fields(v, a[2])
        raise self.err(f"unknown operand {kind}")

    def fields(self, v: Any, names: list) -> Any:
        for n in names:
            if isinstance(v, GoStruct):
                ok, nv = v.lookup(n)
                if not ok:
                    raise self.err(f"can't evaluate field {n} in type {v.type_name}")
                v = nv
            elif isinstance(v, dict):
                v = v.get(n, MISSING)
            elif v is None or v is MISSING:
                raise self.err(f"nil pointer evaluating {type_name(v)}.{n}")
            else:
                raise self.err(f"can't evaluate field {n} in type {type_name(v)}")
        return v


def execute(tmpl: Template, data: Any, funcs: dict) -> str:
    """Run the template; every failure is an ExecError in Go's words, never a Python exception."""
    st = _State(tmpl, funcs, data)
    with budget.scope():
        try:
            st.run(tmpl.root, data)
        except TemplateError:
            raise
        except (_Break, _Continue):
            raise st.err("break or continue outside range") from None
        except RecursionError:
            raise st.err(f"exceeded maximum template depth ({MAX_EXEC_DEPTH})") from None
        except TooLarge as e:
            raise st.err(str(e)) from None
        except Exception as e:  # a gap in this engine must still read as a template error, not a crash
            raise st.err(f"{type(e).__name__}: {e}") from None
    out = "".join(st.out)
    # a lone surrogate (a JSON/YAML escape in a value) is no text Go could hold: U+FFFD, as Go prints bad runes
    return out if out.isascii() else _SURROGATE.sub("\ufffd", out)


_SURROGATE = re.compile("[\ud800-\udfff]")
