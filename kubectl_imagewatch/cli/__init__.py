"""The click layer: flags -> options -> one api call -> reporter -> exit code.

Commands live in one ordered table; a command's module is imported only when that command runs,
so `--help` and a bad flag stay fast. Exit codes are `errors.ExitCode`: 0 clean, 1 findings or
failed policies, 2 usage or unreadable input, 3 internal bug (one line; the traceback only with
IMAGEWATCH_DEBUG=1), 130 interrupted.
"""
from __future__ import annotations

import difflib
import importlib
import os
import sys
from typing import Any, NamedTuple, NoReturn, Optional

import click

from kubectl_imagewatch import __version__
from kubectl_imagewatch.errors import ExitCode, ImagewatchError

COMPLETE_VAR = "_KUBECTL_IMAGEWATCH_COMPLETE"  # click would derive it from PROG, which may hold a space
PROG = "kubectl imagewatch" if os.path.basename(sys.argv[0]).startswith("kubectl-") else "kubectl-imagewatch"


class Command(NamedTuple):
    module: str   # defines `command`, a click.Command
    summary: str  # the line in `--help` (shown without importing the module)


COMMANDS: dict[str, Command] = {  # in the order `--help` lists them
    "validate": Command("kubectl_imagewatch.cli.validate", "Check Flux image automation manifests (files, directories or -)."),
    "simulate": Command("kubectl_imagewatch.cli.simulate", "Show the tag every ImagePolicy selects and why the others lost."),
    "diff": Command("kubectl_imagewatch.cli.diff", "What a change does to policy winners and automation commits."),
    "update": Command("kubectl_imagewatch.cli.update", "Rewrite the values marked with $imagepolicy, or preview them."),
    "run": Command("kubectl_imagewatch.cli.run", "Run image automation: scan, select, update, commit and push."),
    "create": Command("kubectl_imagewatch.cli.create", "Create Flux image automation objects (`create image ...`)."),
    "completion": Command("kubectl_imagewatch.cli.completion", "Print a shell completion script (bash, zsh or fish)."),
}


class Group(click.Group):
    """Commands from COMMANDS, imported on use; errors mapped to exit codes in one place."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        spec = COMMANDS.get(name)
        if spec is None:
            return None
        cmd: click.Command = importlib.import_module(spec.module).command
        cmd.short_help = cmd.short_help or spec.summary  # completion shows the same line as --help
        return cmd

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple:
        name = args[0] if args else ""
        if name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            close = difflib.get_close_matches(name, list(COMMANDS), n=1)
            ctx.fail(f"No such command {name!r}." + (f" Did you mean {close[0]!r}?" if close else ""))
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, spec.summary) for name, spec in COMMANDS.items()])

    def main(self, args: Any = None, prog_name: Optional[str] = None, complete_var: Optional[str] = None,
             standalone_mode: bool = True, **extra: Any) -> NoReturn:
        sys.exit(self._exit_code(args, prog_name, complete_var, **extra))

    def _exit_code(self, args: Any, prog_name: Optional[str], complete_var: Optional[str], **extra: Any) -> int:
        try:
            rv = super().main(args, prog_name, complete_var or COMPLETE_VAR, standalone_mode=False, **extra)
            return rv if isinstance(rv, int) else ExitCode.OK
        except click.exceptions.Exit as e:
            return e.exit_code
        except click.exceptions.Abort:
            click.echo("aborted", err=True)
            return ExitCode.INTERRUPTED
        except click.ClickException as e:
            e.show()
            return ExitCode.USAGE if isinstance(e, click.UsageError) else e.exit_code
        except ImagewatchError as e:
            click.echo(f"error: {e}", err=True)
            return e.exit_code
        except KeyboardInterrupt:
            return ExitCode.INTERRUPTED
        except BrokenPipeError:
            return ExitCode.OK
        except Exception as e:  # a bug: one line for users, the traceback on request
            if os.environ.get("IMAGEWATCH_DEBUG"):
                raise
            click.echo(f"internal error: {type(e).__name__}: {e} (set IMAGEWATCH_DEBUG=1 for the traceback)", err=True)
            return ExitCode.INTERNAL


@click.group(cls=Group, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kubectl-imagewatch")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Flux image automation, checked before you push.

    \b
    Examples:
      kubectl imagewatch validate examples/
      kubectl imagewatch simulate examples/ --tags-file examples/tags.yaml
      kubectl imagewatch update examples/ --repo-root examples --tags-file examples/tags.yaml --dry-run
      kubectl imagewatch run examples/flux-system --git-url file:///srv/git/fleet.git --tags-file examples/tags.yaml --dry-run
      kubectl imagewatch create image policy podinfo --image-ref podinfo --select-semver '>=1.0.0' --export
    """
    if ctx.invoked_subcommand is None:  # bare `kubectl imagewatch`: help, like bare kubectl (exit 0)
        click.echo(ctx.get_help())


def main(argv: Any = None) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):  # untrusted text may hold lone surrogates: print them escaped
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    cli.main(args=argv, prog_name=PROG)
