"""`simulate [PATH...]`: which tag each ImagePolicy selects and why every other tag lost."""
from __future__ import annotations

import click

from kubectl_imagewatch.cli.common import color_option, echo, exit_with, namespace_option, use_color


@click.command("simulate")
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--tags-file", type=click.Path(allow_dash=True), help="Tags per repository (JSON/YAML); default: scan the registry.")
@click.option("--policy", "policies", multiple=True, metavar="NS/NAME", help="Only this policy (repeatable).")
@click.option("-o", "--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--all", "show_all", is_flag=True, help="Show every tag, not a summary of long lists.")
@click.option("--repo-root", type=click.Path(file_okay=False), help="Repository root for the update preview.")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Cache registry scans here (valid for the repository's interval).")
@click.option("--flux-release", default=None, metavar="X.Y", help="Flux release whose template data to emulate (default: current).")
@namespace_option
@color_option
def command(paths: tuple, tags_file: str | None, policies: tuple, output: str, show_all: bool,
            repo_root: str | None, cache_dir: str | None, flux_release: str | None, default_namespace: str,
            color: str) -> None:
    """Show the tag every ImagePolicy selects, every other tag's verdict, and the update it causes.

    Tags come from --tags-file (a mapping from ImageRepository namespace/name or image to a list of
    tags, or tag -> digest) or, without it, from the registries. Exit 0 when every policy selected
    a tag, 1 when any failed, 2 on usage errors.

    \b
    Examples:
      kubectl imagewatch simulate examples/ --tags-file examples/tags.yaml
      kubectl imagewatch simulate clusters/ --policy flux-system/podinfo --all
      kubectl imagewatch simulate clusters/ -o json
    """
    from kubectl_imagewatch import api
    from kubectl_imagewatch.report import simulate as rep

    result = api.simulate(paths, api.SimulateOptions(tags_file=tags_file, policies=frozenset(policies),
                                                     default_namespace=default_namespace, repo_root=repo_root,
                                                     cache_dir=cache_dir, flux_release=flux_release))
    for f in result.input_problems:
        click.echo(f"warning: {f.path}:{f.line}:{f.column} {f.check} {f.message} (skipped)", err=True)
    if output == "json":
        extra = {"changes": result.update.changes_json(), "commits": result.update.commits_json(),
                 "warnings": result.update.warnings} if result.update else None
        echo(rep.render_json(result.policies, extra))
    else:
        echo(rep.render_text(result.policies, show_all=show_all, color=use_color(color)))
        if result.update is not None:
            from kubectl_imagewatch.report import update as urep

            echo(urep.render_text(result.update, diff=True, color=use_color(color)))
    exit_with(0 if all(r.ok for r in result.policies) else 1)
