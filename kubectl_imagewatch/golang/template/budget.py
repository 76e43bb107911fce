"""What one template execution may build, checked before anything is allocated.

Go would try to build a gigabyte for `{{ repeat 1000000000 "x" }}` or `{{ range until 100000000 }}`;
Flux's controller has memory limits, this tool has users' laptops and CI runners. Each builder
asks `need` first (no single string or list over MAX_ITEMS), and every function result is
charged to a per-execution total (so quadratic loops of appends end, too).
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator, Optional

from kubectl_imagewatch.golang.template.parser import CallError

MAX_OUTPUT = 1 << 20  # characters a template may write
MAX_ITEMS = 1 << 20  # characters in one built string, items in one built list
MAX_TOTAL = 64 << 20  # characters and items built by all function calls of one execution

_spent: contextvars.ContextVar[Optional[list]] = contextvars.ContextVar("template_budget", default=None)


@contextlib.contextmanager
def scope() -> Iterator[None]:
    token = _spent.set([0])
    try:
        yield
    finally:
        _spent.reset(token)


def need(n: int, what: str = "the result") -> int:
    """Refuse, before allocating, a string or list of n elements (returns n for chaining)."""
    if n > MAX_ITEMS:
        raise CallError(f"{what} would hold {n} elements; kubectl-imagewatch stops at {MAX_ITEMS}")
    return n


def charge(value: Any) -> None:
    if isinstance(value, (str, list, dict, tuple)):
        spent = _spent.get()
        if spent is not None:
            spent[0] += len(value)
            if spent[0] > MAX_TOTAL:
                raise CallError(f"the template built more than {MAX_TOTAL} elements; kubectl-imagewatch stops there")
