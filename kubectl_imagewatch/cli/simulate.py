"""`simulate [PATH...]`: which tag each ImagePolicy selects and why every other tag lost."""
from __future__ import annotations

import sys

import click

from kubectl_imagewatch.cli.options import (all_namespaces_option, cache_dir_option, color_option,
                                            default_namespace_option, echo, exit_with, flux_release_option,
                                            kube_options, output_option, paths_argument, repo_root_option,
                                            shown_root, tags_file_option, use_color)
from kubectl_imagewatch.errors import ExitCode


@click.command("simulate")
@paths_argument
@tags_file_option
@click.option("--policy", "policies", multiple=True, metavar="NS/NAME", help="Only this policy (repeatable).")
@output_option("text", "json")
@click.option("--all", "show_all", is_flag=True, help="Show every tag, not a summary of long lists.")
@repo_root_option("Repository root for the update preview (default: git top level).")
@cache_dir_option
@flux_release_option
@default_namespace_option()
@click.option("--from-cluster", is_flag=True,
              help="Read the Flux objects from the cluster (-n, default flux-system, or -A) and show the tag Flux "
                   "has selected now beside the simulated one.")
@kube_options()
@all_namespaces_option
@color_option
def command(paths: tuple, tags_file: str | None, policies: tuple, output: str, show_all: bool,
            repo_root: str | None, cache_dir: str | None, flux_release: str | None, default_namespace: str,
            from_cluster: bool, kubeconfig: str | None, kube_context: str | None, all_namespaces: bool,
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
      kubectl imagewatch simulate --from-cluster -n flux-system
    """
    from kubectl_imagewatch import api
    from kubectl_imagewatch.report import simulate as rep
    from kubectl_imagewatch.report.paths import shown

    inv = None
    if from_cluster:
        if paths:
            raise click.UsageError("give PATHs or --from-cluster, not both")
        from kubectl_imagewatch.controller.cluster import Cluster

        inv = Cluster(kubeconfig, kube_context).inventory(default_namespace, all_namespaces)
    elif all_namespaces or kubeconfig or kube_context:
        flag = "-A/--all-namespaces" if all_namespaces else "--kubeconfig" if kubeconfig else "--context"
        raise click.UsageError(f"{flag} is used only with --from-cluster")
    result = api.simulate(paths, api.SimulateOptions(tags_file=tags_file, policies=frozenset(policies),
                                                     default_namespace=default_namespace, repo_root=repo_root,
                                                     cache_dir=cache_dir, flux_release=flux_release,
                                                     progress=_progress if sys.stderr.isatty() else None,
                                                     inventory=inv))
    root = shown_root(paths, repo_root)
    for f in result.input_problems:
        click.echo(f"warning: {shown(f.path, root)}:{f.line}:{f.column}: {f.check} {f.message} (skipped)", err=True)
    if output == "json":
        echo(rep.render_json(result))
    else:
        c = use_color(color)
        echo(rep.render_text(result.policies, show_all=show_all, color=c), color=c)
        if result.update is not None:
            from kubectl_imagewatch.report import update as urep

            echo(urep.render_text(result.update, diff=True, color=c), color=c)
    # a failed policy or a failed automation preview (bad template, missing update.path) is a failure
    ok = all(r.ok for r in result.policies) and (result.update is None or result.update.ok)
    exit_with(ExitCode.OK if ok else ExitCode.FINDINGS)


def _progress(done: int, total: int) -> None:
    """Registry scans done so far, on one terminal line."""
    if done == 0:
        from kubectl_imagewatch.reflector.registry.scan import WORKERS

        sys.stderr.write(f"scanning {total} {'repository' if total == 1 else 'repositories'} "
                         f"({min(total, WORKERS)} at a time)...\n")
    else:
        sys.stderr.write(f"\rscanned {done}/{total} repositories" + ("\n" if done == total else ""))
    sys.stderr.flush()
