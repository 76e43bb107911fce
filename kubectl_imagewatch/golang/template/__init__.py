"""Go text/template + sprig, as image-automation-controller renders commit messages.

No Python library implements Go's template language; this one covers what commit templates use
(actions, pipelines, variables, if/else if/with/range/define/template/block, break/continue,
trim markers, Go's builtins and fmt printing) and the sprig functions Flux registers.
"""
from __future__ import annotations

from typing import Any, Iterator, Optional

from kubectl_imagewatch.golang.template.execute import ExecError, execute
from kubectl_imagewatch.golang.template.funcs import FUNCS, FLUX_FUNCS
from kubectl_imagewatch.golang.template.parser import Node, Template, TemplateError, parse as _parse

__all__ = ["TemplateError", "ExecError", "parse", "render", "removed_fields", "unknown_functions"]


def parse(src: str, name: str = "commit message") -> Template:
    """Parse; like Go, a call to a function Flux does not define is a parse error."""
    t = _parse(src, name)
    for fn in _idents(t):
        if fn not in FLUX_FUNCS:
            raise TemplateError(f'template: {name}:1: function "{fn}" not defined')
    return t


def _walk(node: Node) -> Iterator[Any]:
    if node is None:
        return
    if node.pipe is not None:
        yield from _pipe_args(node.pipe)
    for n in node.nodes:
        yield from _walk(n)
    for sub in (node.body, node.else_):
        if sub is not None:
            yield from _walk(sub)


def _pipe_args(p: Any) -> Iterator[Any]:
    for cmd in p.cmds:
        for a in cmd:
            yield a
            if a[0] == "pipe":
                yield from _pipe_args(a[1])


def _all_args(t: Template) -> Iterator[Any]:
    yield from _walk(t.root)
    for body in t.defs.values():
        yield from _walk(body)


def _idents(t: Template) -> list[str]:
    return sorted({a[1] for a in _all_args(t) if a[0] == "ident"})


def removed_fields(t: Template) -> list[str]:
    """Uses of .Updated / .Changed.ImageResult (removed in image-automation-controller v1.0)."""
    found = []
    for a in _all_args(t):
        chain = a[1] if a[0] == "field" else (a[2] if a[0] == "var" and a[1] == "$" else None)
        if not chain:
            continue
        if chain[0] == "Updated" and ".Updated" not in found:
            found.append(".Updated")
        if chain[:2] == ["Changed", "ImageResult"] and ".Changed.ImageResult" not in found:
            found.append(".Changed.ImageResult")
    return found


def unknown_functions(t: Template) -> list[str]:
    return [f for f in _idents(t) if f not in FLUX_FUNCS]


def render(src: str, data: Any, name: str = "commit message") -> str:
    return execute(parse(src, name), data, FUNCS)
