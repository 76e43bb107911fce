"""Options shared by several commands."""
from __future__ import annotations

import os
import sys
from typing import Any, Callable

import click

from kubectl_imagewatch.manifests.model import DEFAULT_NAMESPACE


def use_color(flag: str) -> bool:
    if flag == "always":
        return True
    if flag == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def namespace_option(f: Callable) -> Callable:
    return click.option("--default-namespace", default=DEFAULT_NAMESPACE, show_default=True,
                        help="Namespace of objects whose manifests set none.")(f)


def color_option(f: Callable) -> Callable:
    return click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
                        show_default=True, help="Colour output (NO_COLOR is honoured).")(f)


def echo(s: str) -> None:
    click.echo(s, nl=False)


def exit_with(code: int) -> Any:
    raise click.exceptions.Exit(code)
