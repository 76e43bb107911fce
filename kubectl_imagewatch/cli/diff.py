"""`diff BASE [PATH...]`: what the work tree does to every policy winner and automation commit, against BASE."""
from __future__ import annotations

import click

from kubectl_imagewatch.cli.options import (cache_dir_option, default_namespace_option, echo, exit_with,
                                            flux_release_option, output_option, paths_argument, tags_file_option)
from kubectl_imagewatch.errors import ExitCode


@click.command("diff")
@click.argument("base", metavar="BASE")
@paths_argument
@tags_file_option
@output_option("text", "json", "markdown")
@click.option("--all", "show_all", is_flag=True, help="Also list the policies and automations that did not move.")
@cache_dir_option
@flux_release_option
@default_namespace_option()
def command(base: str, paths: tuple, tags_file: str | None, output: str, show_all: bool, cache_dir: str | None,
            flux_release: str | None, default_namespace: str) -> None:
    """Compare git revision BASE with the work tree: winners that move, automation commits that change.

    BASE is any revision git accepts (a branch, tag, commit, origin/main, HEAD~1). It is read with
    git into a private temporary directory; the work tree is never touched. Both sides use the same
    tags (--tags-file, or one registry scan). For each ImagePolicy: the winner before and after and
    why it moved (the field that changed, the tag that won, why the old one lost); for each
    ImageUpdateAutomation: the changes and commit message before and after. `-o markdown` writes a
    table for a pull request comment or $GITHUB_STEP_SUMMARY.

    Exit 0 when nothing moved, 1 when a winner moved or an automation's commit differs, 2 on usage
    errors (unknown revision, not a git repository).

    \b
    Examples:
      kubectl imagewatch diff main --tags-file tags.yaml
      kubectl imagewatch diff origin/main clusters/ -o markdown >> "$GITHUB_STEP_SUMMARY"
      kubectl imagewatch diff HEAD~1 -o json --all
    """
    from kubectl_imagewatch import review
    from kubectl_imagewatch.report import diff as rep

    result = review.diff(base, paths, review.DiffOptions(tags_file=tags_file, cache_dir=cache_dir,
                                                         default_namespace=default_namespace,
                                                         flux_release=flux_release))
    render = {"json": rep.render_json, "markdown": rep.render_markdown}.get(output, rep.render_text)
    echo(render(result, show_all=show_all))
    exit_with(ExitCode.FINDINGS if result.moved else ExitCode.OK)
