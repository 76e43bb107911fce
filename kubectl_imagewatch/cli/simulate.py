"""`simulate`."""
from __future__ import annotations

import click


@click.command("simulate")
def command() -> None:
    """Not implemented yet."""
    raise click.UsageError("not implemented yet")
