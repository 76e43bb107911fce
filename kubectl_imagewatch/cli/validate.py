"""`validate [PATH...]`: schemas, semantic checks and markers, with file:line and a fix hint."""
from __future__ import annotations

import os

import click

from kubectl_imagewatch.cli.options import (color_option, default_namespace_option, echo, exit_with, output_option,
                                            paths_argument, repo_root_option, shown_root, use_color)
from kubectl_imagewatch.errors import ExitCode


@click.command("validate")
@paths_argument
@output_option("text", "json", "sarif", "github", default=None,
               help="Output format (default: github under GitHub Actions, else text).")
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@repo_root_option()
@click.option("--repo-context", is_flag=True,
              help="Index Flux objects from the whole repository but report only PATHS (default: the staged files), "
                   "plus what the staged change breaks in other files (pre-commit).")
@click.option("--disable", multiple=True, metavar="ID", help="Skip a check id (repeatable).")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="Repository config (default: .imagewatch.yaml found walking up from PATHS to the git root).")
@click.option("--list-checks", is_flag=True, help="List every check id and exit.")
@default_namespace_option()
@color_option
def command(paths: tuple, output: str | None, strict: bool, repo_root: str | None, repo_context: bool,
            disable: tuple, config_file: str | None, list_checks: bool, default_namespace: str, color: str) -> None:
    """Check Flux image automation manifests (files, directories or - for stdin).

    Exit 0 when clean, 1 when errors were found (or warnings with --strict), 2 on usage errors.

    \b
    Examples:
      kubectl imagewatch validate examples/
      kubectl imagewatch validate -o sarif clusters/ > imagewatch.sarif
      cat policy.yaml | kubectl imagewatch validate -
    """
    from kubectl_imagewatch import api, report
    from kubectl_imagewatch.report import github

    if list_checks:
        from kubectl_imagewatch.checks import CHECKS

        for c in CHECKS.values():
            click.echo(f"{c.id}  {c.severity.value:<7}  {c.slug:<26} {c.summary}")
        exit_with(ExitCode.OK)
    if output is None:
        output = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    rep = api.validate(paths, api.ValidateOptions(repo_root=repo_root, default_namespace=default_namespace,
                                                  repo_context=repo_context, disabled=frozenset(disable),
                                                  config=config_file))
    root = shown_root(paths, repo_root)
    colored = use_color(color)
    echo(report.render(output, rep, color=colored, root=root), color=colored)
    if not rep.objects_checked and not rep.findings:
        click.echo(f"warning: no Flux objects in {', '.join(paths) or '.'} ({rep.files_checked} files read): "
                   "nothing was checked", err=True)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if output == "github" and summary_file and github.capped(rep):
        with open(summary_file, "a", encoding="utf-8") as f:  # GitHub's contract: append markdown
            f.write(github.summary(rep, root))
    exit_with(rep.exit_code(strict))
