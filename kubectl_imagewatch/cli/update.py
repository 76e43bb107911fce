"""`update [PATH...]`: apply the automations to a working tree (or preview with --dry-run)."""
from __future__ import annotations

import click

from kubectl_imagewatch.cli.common import color_option, echo, exit_with, namespace_option, use_color


@click.command("update")
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--repo-root", type=click.Path(file_okay=False, exists=True),
              help="Working tree to update (default: git top level of the current directory).")
@click.option("--tags-file", type=click.Path(allow_dash=True), help="Tags per repository; default: scan the registry.")
@click.option("--dry-run", is_flag=True, help="Print the diff and messages; write nothing.")
@click.option("--commit", "do_commit", is_flag=True, help="Also make a local git commit per automation.")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--flux-release", default=None, metavar="X.Y", help="Flux release whose template data to emulate.")
@namespace_option
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
        echo(rep.render_text(res.plan, diff=dry_run, color=use_color(color), written=None if dry_run else res.written))
    exit_with(0 if res.plan.ok else 1)
