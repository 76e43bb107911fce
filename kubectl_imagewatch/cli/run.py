"""`run`: the full automation loop (not implemented yet)."""
from __future__ import annotations

import click


@click.command("run", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def command() -> None:
    """The full loop (scan, select, rewrite, commit, push): not implemented yet.

    \b
    Example (today): kubectl imagewatch update clusters/ --commit
    """
    raise click.UsageError("run is not implemented yet; use `update --commit` for a local commit")
