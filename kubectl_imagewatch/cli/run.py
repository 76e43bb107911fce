"""`run [PATH...]`: the full loop — scan, select, rewrite, commit, push, status; once or watching."""
from __future__ import annotations

import click

from kubectl_imagewatch.cli.options import (all_namespaces_option, cache_dir_option, color_option,
                                            default_namespace_option, echo, exit_with, flux_release_option,
                                            kube_options, namespace_option, output_option, paths_argument,
                                            tags_file_option, use_color)


def _git_urls(values: tuple) -> dict:
    out = {}
    for v in values:
        key, sep, url = v.partition("=")
        if sep and "://" not in key and not key.startswith(("git@", "/")):
            out[key] = url
        else:
            out["*"] = v
    return out


@click.command("run")
@paths_argument
@click.option("--from-cluster", is_flag=True, help="Read the Flux objects from the current kubeconfig's cluster.")
@kube_options()
@namespace_option()
@all_namespaces_option
@tags_file_option
@cache_dir_option
@click.option("--git-url", "git_urls", multiple=True, metavar="[NS/NAME=]URL",
              help="Use this URL for the GitRepository (all of them without NS/NAME=).")
@click.option("--dry-run", is_flag=True, help="Everything up to the push; print the diff and message.")
@click.option("--once/--watch", default=True, help="One pass (default), or reconcile on each interval until stopped.")
@click.option("--write-status", is_flag=True, help="Write status and events to the cluster (opt-in).")
@click.option("--force", is_flag=True, help="Write status even when Flux's image controllers are installed.")
@flux_release_option
@output_option("text", "json")
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="Logs on stderr (default: text when watching, none for one pass).")
@click.option("--metrics-addr", metavar="HOST:PORT", help="Serve Prometheus metrics (watch mode), e.g. :8080.")
@click.option("--leader-elect", is_flag=True, help="Hold a coordination.k8s.io Lease; only the holder works.")
@click.option("--lease-namespace", help="Namespace of the Lease (default: the current namespace).")
@default_namespace_option(short=False)
@color_option
def command(paths: tuple, from_cluster: bool, kubeconfig: str | None, kube_context: str | None, namespace: str | None,
            all_namespaces: bool, tags_file: str | None, cache_dir: str | None, git_urls: tuple, dry_run: bool,
            once: bool, write_status: bool, force: bool, flux_release: str | None, output: str, log_format: str | None,
            metrics_addr: str | None, leader_elect: bool, lease_namespace: str | None, default_namespace: str,
            color: str) -> None:
    """Run image automation: scan registries, select tags, update files, commit and push.

    Reads the Flux objects from PATHs or, with --from-cluster, from a cluster. Exit 0 when every
    automation succeeded (or had nothing to do), 1 when any failed, 2 on usage errors.

    \b
    Examples:
      kubectl imagewatch run examples/ --tags-file examples/tags.yaml --git-url file:///srv/git/fleet.git
      kubectl imagewatch run --from-cluster -n flux-system --dry-run
      kubectl imagewatch run --from-cluster -A --watch --write-status --log-format json --metrics-addr :8080
    """
    from kubectl_imagewatch.controller import runner
    from kubectl_imagewatch.report import run as rep

    if from_cluster and paths:
        raise click.UsageError("give PATHs or --from-cluster, not both")
    if not from_cluster and (namespace or all_namespaces):
        raise click.UsageError(f"{'-n/--namespace' if namespace else '-A/--all-namespaces'} chooses what to read "
                               "from a cluster and needs --from-cluster; for manifests that set no namespace, "
                               "use --default-namespace")
    if not (from_cluster or write_status or leader_elect) and (kubeconfig or kube_context):
        raise click.UsageError(f"{'--kubeconfig' if kubeconfig else '--context'} is used only with --from-cluster, "
                               "--write-status or --leader-elect")

    colored = use_color(color)

    def out(report: dict) -> None:
        echo(rep.RENDERERS[output](report, color=colored), color=colored)

    code = runner.run(runner.Options(paths=paths, from_cluster=from_cluster, kubeconfig=kubeconfig,
                                     context=kube_context, namespace=namespace, all_namespaces=all_namespaces,
                                     tags_file=tags_file, cache_dir=cache_dir, git_urls=_git_urls(git_urls),
                                     dry_run=dry_run, watch=not once, write_status=write_status, force=force,
                                     flux_release=flux_release, log_format=log_format, metrics_addr=metrics_addr,
                                     leader_elect=leader_elect, lease_namespace=lease_namespace,
                                     default_namespace=default_namespace), out)
    exit_with(code)
