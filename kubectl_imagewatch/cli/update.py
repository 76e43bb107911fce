"""`update [PATH...]`: apply the automations to a working tree (or preview with --dry-run)."""
from __future__ import annotations

import click

from kubectl_imagewatch.cli.options import (color_option, default_namespace_option, echo, exit_with,
                                            flux_release_option, output_option, paths_argument, repo_root_option,
                                            tags_file_option, use_color)
from kubectl_imagewatch.errors import ExitCode


@click.command("update")
@paths_argument
@repo_root_option("Working tree to update (default: guessed from the paths and the update paths; docs/update.md).")
@tags_file_option
@click.option("--dry-run", is_flag=True, help="Print the diff and messages; write nothing.")
@click.option("--commit", "do_commit", is_flag=True, help="Also make a local git commit per automation.")
@output_option("text", "json")
@flux_release_option
@default_namespace_option()
@color_option
def command(paths: tuple, repo_root: str | None, tags_file: str | None, dry_run: bool, do_commit: bool,
            output: str, flux_release: str | None, default_namespace: str, color: str) -> None:
    """Rewrite the fields marked with $imagepolicy under each automation's update.path.

    Only the marked values' bytes change; files are written atomically and only when every
    automation planned cleanly. Exit 0 on success, 1 when a policy or automation failed.

    \b
    Examples:
      kubectl imagewatch update examples/ --repo-root examples --tags-file examples/tags.yaml --dry-run
      kubectl imagewatch update clusters/ --commit
    """
    from kubectl_imagewatch import api
    from kubectl_imagewatch.report import update as rep

    res = api.update(paths, api.UpdateOptions(repo_root=repo_root, tags_file=tags_file, dry_run=dry_run,
                                              commit=do_commit, default_namespace=default_namespace,
                                              flux_release=flux_release))
    if output == "json":
        echo(rep.render_json(res.plan, {"written": res.written, "commitIds": res.commits,
                                        "policyErrors": res.policy_errors}))
    else:
        for e in res.policy_errors:
            echo(f"warning: {e}\n")
        c = use_color(color)
        echo(rep.render_text(res.plan, diff=dry_run, color=c, written=None if dry_run else res.written,
                             commits=res.commits), color=c)
    if not res.plan.automations:
        click.echo(f"warning: no ImageUpdateAutomation in {', '.join(paths) or res.repo_root}: nothing to update",
                   err=True)
    exit_with(ExitCode.OK if res.plan.ok else ExitCode.FINDINGS)
