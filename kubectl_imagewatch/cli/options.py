"""Every flag two or more commands share, declared once; a command stacks the ones it takes.

Values are checked here, at the edge, so a bad one is a usage error (exit 2) before any work starts:
PATHs must exist, --repo-root must be a directory, --flux-release must parse.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, NoReturn, Optional, Sequence

import click

from kubectl_imagewatch.errors import ExitCode
from kubectl_imagewatch.manifests.model import DEFAULT_NAMESPACE

Decorator = Callable[[Callable], Callable]


def _existing(ctx: click.Context, param: click.Parameter, value: tuple) -> tuple:
    for p in value:
        if p != "-" and not os.path.lexists(p):
            raise click.UsageError(f"no such file or directory: {p}", ctx)
    return value


paths_argument: Decorator = click.argument("paths", nargs=-1, type=click.Path(allow_dash=True), callback=_existing)


def repo_root_option(help: str = "Repository root for update.path (default: git top level).") -> Decorator:
    return click.option("--repo-root", type=click.Path(file_okay=False, exists=True), help=help)


tags_file_option: Decorator = click.option(
    "--tags-file", type=click.Path(allow_dash=True),
    help="Tags per repository (JSON/YAML/tags.txt, - for stdin) instead of scanning registries.")

cache_dir_option: Decorator = click.option(
    "--cache-dir", type=click.Path(file_okay=False),
    help="Cache registry scans here (valid for the repository's interval).")


class FluxRelease(click.ParamType):
    """A Flux release such as 2.6 or v2.7 (or current), parsed by the release table (flux/releases.py)."""

    name = "X.Y"

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> str:
        from kubectl_imagewatch.flux.releases import parse_release

        try:
            parse_release(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)
        return str(value)


flux_release_option: Decorator = click.option(
    "--flux-release", type=FluxRelease(), default=None,
    help="Flux release whose template data to emulate, e.g. 2.6 (default: current).")


def output_option(*formats: str, default: Optional[str] = "text", help: Optional[str] = None) -> Decorator:
    return click.option("-o", "--output", type=click.Choice(list(formats)), default=default,
                        show_default=default is not None, help=help or "Output format.")


color_option: Decorator = click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Colour output (NO_COLOR and TERM=dumb are honoured).")


def default_namespace_option(short: bool = True) -> Decorator:
    """Namespace for manifests that set none; `-n/--namespace` too where no cluster is read (as with
    `kubectl apply -f FILE -n NS`)."""
    names = ("-n", "--namespace", "--default-namespace") if short else ("--default-namespace",)
    return click.option(*names, "default_namespace", default=DEFAULT_NAMESPACE, show_default=True,
                        help="Namespace of objects whose manifests set none.")


def namespace_option(default: Any = None, show_default: Any = None,
                     help: str = "Namespace (default: the context's).") -> Decorator:
    return click.option("-n", "--namespace", default=default, show_default=show_default, help=help)


all_namespaces_option: Decorator = click.option("-A", "--all-namespaces", is_flag=True, help="Every namespace.")


def kube_options(kubeconfig_help: str = "Kubeconfig file (default: $KUBECONFIG, ~/.kube/config).") -> Decorator:
    def deco(f: Callable) -> Callable:
        f = click.option("--context", "kube_context", help="Kubeconfig context.")(f)
        return click.option("--kubeconfig", type=click.Path(exists=True, dir_okay=False), help=kubeconfig_help)(f)
    return deco


def use_color(flag: str) -> bool:
    """--color: always, never, or auto (a terminal that is not dumb, and no NO_COLOR)."""
    if flag == "always":
        return True
    if flag == "never" or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def echo(s: str, color: Optional[bool] = None) -> None:
    """Print s as is; color=True keeps escapes even when stdout is not a terminal (`--color always | less -R`)."""
    click.echo(printable(s), nl=False, color=color)


def printable(s: str) -> str:
    """Lone surrogates (JSON escapes in untrusted input) as `\\udXXX`, so strict UTF-8 output never fails."""
    return s.encode("utf-8", "backslashreplace").decode("utf-8")


def exit_with(code: int) -> NoReturn:
    raise click.exceptions.Exit(ExitCode(code))


def shown_root(paths: Sequence[str], repo_root: Optional[str]) -> str:
    """The directory finding paths are shown relative to: the git top level of the first PATH (what
    GitHub and SARIF viewers resolve against), else --repo-root, else the current directory."""
    from kubectl_imagewatch.api import find_repo_root

    return find_repo_root(next((p for p in paths if p != "-"), ".")) or repo_root or os.getcwd()
