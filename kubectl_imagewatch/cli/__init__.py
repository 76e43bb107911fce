"""The click layer: flags -> options -> one api call -> reporter -> exit code.

Exit codes: 0 clean, 1 findings/failed policies, 2 usage or unreadable input, 3 internal bug
(one line; the traceback only with IMAGEWATCH_DEBUG=1).
"""
from __future__ import annotations

import os
import sys
from typing import Any

import click

from kubectl_imagewatch import __version__

PROG = "kubectl imagewatch" if os.path.basename(sys.argv[0]).startswith("kubectl-") or \
    os.path.basename(sys.argv[0]) == "kubectl-imagewatch" else "kubectl-imagewatch"


class Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return ["validate", "simulate", "update", "run", "create"]


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kubectl-imagewatch")
def cli() -> None:
    """Flux image automation, checked before you push.

    \b
    Examples:
      kubectl imagewatch validate examples/
      kubectl imagewatch simulate examples/ --tags-file examples/tags.yaml
      kubectl imagewatch update examples/ --repo-root examples --tags-file examples/tags.yaml --dry-run
      kubectl imagewatch run examples/flux-system --git-url file:///srv/git/fleet.git --tags-file examples/tags.yaml --dry-run
      kubectl imagewatch create image policy podinfo --image-ref podinfo --select-semver '>=1.0.0' --export
    """


def _register() -> None:
    from kubectl_imagewatch.cli import create, run, simulate, update, validate

    cli.add_command(validate.command)
    cli.add_command(simulate.command)
    cli.add_command(update.command)
    cli.add_command(run.command)
    cli.add_command(create.command)


def main(argv: Any = None) -> None:
    from kubectl_imagewatch.errors import ImagewatchError

    _register()
    try:
        rv = cli.main(args=argv, prog_name=PROG, standalone_mode=False)
        sys.exit(rv if isinstance(rv, int) else 0)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(2 if isinstance(e, click.UsageError) else e.exit_code)
    except ImagewatchError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as e:  # a bug: one line for users, the traceback on request
        if os.environ.get("IMAGEWATCH_DEBUG"):
            raise
        click.echo(f"internal error: {type(e).__name__}: {e} (set IMAGEWATCH_DEBUG=1 for the traceback)", err=True)
        sys.exit(3)
    sys.exit(0)
