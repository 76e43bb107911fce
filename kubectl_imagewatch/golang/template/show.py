"""Go's parse.Node String() for the node an execution error blames (`at <...>` in Go's message)."""
from __future__ import annotations

from typing import Any


def arg_str(a: tuple) -> str:
    kind = a[0]
    if kind == "field":
        return "." + ".".join(a[1])
    if kind == "var":
        return a[1] + "".join("." + f for f in a[2])
    if kind == "dot":
        return "."
    if kind == "nil":
        return "nil"
    if kind == "ident":
        return a[1]
    if kind == "str":
        return a[3]
    if kind == "num":
        return a[2]
    if kind == "bool":
        return "true" if a[1] else "false"
    if kind == "pipe":
        return "(" + pipe_str(a[1]) + ")" + "".join("." + f for f in a[2])
    return "?"


def cmd_str(cmd: list) -> str:
    return " ".join(arg_str(a) for a in cmd)


def pipe_str(p: Any) -> str:
    decl = ", ".join(p.decl) + (" = " if p.assign else " := ") if p.decl else ""
    return decl + " | ".join(cmd_str(c) for c in p.cmds)


def node_str(n: Any) -> str:
    """Go's String() of a node: actions and control structures as the template spells them."""
    k = n.kind
    if k == "list":
        return "".join(node_str(x) for x in n.nodes)
    if k == "text":
        return n.text
    if k == "action":
        return "{{" + pipe_str(n.pipe) + "}}"
    if k in ("if", "range", "with"):
        out = "{{" + k + " " + pipe_str(n.pipe) + "}}" + node_str(n.body)
        if n.else_ is not None:
            out += "{{else}}" + node_str(n.else_)
        return out + "{{end}}"
    if k == "template":
        return "{{template " + n.text + (" " + pipe_str(n.pipe) if n.pipe is not None else "") + "}}"
    if k in ("break", "continue"):
        return "{{" + k + "}}"
    return ""
