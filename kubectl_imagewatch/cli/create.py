"""`create image repository|policy|update NAME ... --export`: manifests as `flux create` prints them."""
from __future__ import annotations

import os
from typing import Any, Callable

import click

from kubectl_imagewatch.cli.options import echo, kube_options, namespace_option
from kubectl_imagewatch.errors import UsageError
from kubectl_imagewatch.flux import releases


def _labels(values: tuple) -> dict:
    out = {}
    for item in values:
        for pair in item.split(","):
            if pair:
                k, sep, v = pair.partition("=")
                if not sep:
                    raise click.UsageError(f"invalid label {pair!r}: want key=value")
                out[k] = v
    return out


def shared(f: Callable, interval: bool = True) -> Callable:
    opts: list[Callable[[Callable], Callable]] = [
        namespace_option(default=lambda: os.environ.get("FLUX_SYSTEM_NAMESPACE", "flux-system"), show_default=False,
                         help="Namespace of the object, like the flux CLI (default: $FLUX_SYSTEM_NAMESPACE or "
                              "flux-system)."),
        click.option("--interval", default="1m", show_default=True, help="Reconcile interval (Go duration)."),
        click.option("--label", "labels", multiple=True, help="key=value[,key=value] labels."),
        click.option("--export", is_flag=True, help="Print the manifest instead of applying it."),
        click.option("--append-to", type=click.Path(dir_okay=False), help="Append the manifest to this file (atomic)."),
        click.option("--api-version", default="v1", show_default=True, type=click.Choice(releases.versions_since("2.0"))),
        kube_options("Kubeconfig for applying (without --export)."),
    ]
    if not interval:
        opts = [o for o in opts if o is not opts[1]]
    for opt in reversed(opts):
        f = opt(f)
    return f


def shared_no_interval(f: Callable) -> Callable:
    return shared(f, interval=False)


def _what(obj: dict) -> str:
    return f"{obj['kind']} {obj['metadata']['namespace']}/{obj['metadata']['name']}"


def _refuse_duplicate(obj: dict, path: str) -> None:
    """Appending an object the file already defines would leave two (IW013): refuse, say where."""
    from kubectl_imagewatch.manifests import inventory

    if not os.path.exists(path):
        return
    same = inventory.build([path], obj["metadata"]["namespace"], markers=False).get(
        obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"])
    if same is not None:
        raise UsageError(f"{path}:{same.doc.line} already defines {_what(obj)}; edit it there, "
                         "or print the new one with --export")


def emit(obj: dict, export: bool, append_to: str | None, kubeconfig: str | None, kube_context: str | None) -> None:
    from kubectl_imagewatch.create import objects as create

    errors = create.check(obj)
    if errors:
        raise click.UsageError("; ".join(f"{e.message}" for e in errors))
    text = create.export(obj)
    if append_to:
        _refuse_duplicate(obj, append_to)
        create.append_to(append_to, text)
        click.echo(f"appended {_what(obj)} to {append_to}", err=True)
    if export:
        echo(text)
    elif not append_to:
        from kubectl_imagewatch.controller import cluster

        how = cluster.apply(obj, kubeconfig, kube_context)
        echo(f"► {obj['kind']} {obj['metadata']['namespace']}/{obj['metadata']['name']} {how}\n")


@click.group("create")
def command() -> None:
    """Create Flux image automation objects (`create image ...`)."""


@command.group("image")
def image() -> None:
    """Create ImageRepository, ImagePolicy or ImageUpdateAutomation objects.

    \b
    Examples:
      kubectl imagewatch create image repository podinfo --image ghcr.io/stefanprodan/podinfo --export
      kubectl imagewatch create image policy podinfo --image-ref podinfo --select-semver '>=1.0.0' --export
      kubectl imagewatch create image update apps --git-repo-ref flux-system --checkout-branch main \\
          --author-name flux --author-email flux@example.com --git-repo-path ./apps --export
    """


@image.command("repository")
@click.argument("name")
@click.option("--image", required=True, help="Image repository, e.g. ghcr.io/org/app (no tag).")
@click.option("--secret-ref", help="docker-registry Secret with credentials.")
@click.option("--cert-ref", "--cert-secret-ref", "cert_ref", help="Secret with TLS certificates.")
@click.option("--provider", type=click.Choice(["generic", "aws", "azure", "gcp"]), help="Cloud provider for auth.")
@click.option("--exclusion-list", multiple=True, help="Regex of tags to exclude (repeatable).")
@click.option("--insecure", is_flag=True, help="Plain HTTP registry.")
@click.option("--timeout", "--scan-timeout", "timeout", help="Scan timeout (Go duration).")
@shared
def repository_cmd(name: str, image: str, secret_ref: Any, cert_ref: Any, provider: Any, exclusion_list: tuple,
                   insecure: bool, timeout: Any, namespace: str, interval: str, labels: tuple, export: bool,
                   append_to: Any, api_version: str, kubeconfig: Any, kube_context: Any) -> None:
    """Create an ImageRepository."""
    from kubectl_imagewatch.create import objects as create

    obj = create.repository(name, namespace, image, interval, secret_ref, cert_ref, provider, exclusion_list,
                            insecure, timeout, _labels(labels), api_version)
    emit(obj, export, append_to, kubeconfig, kube_context)


@image.command("policy")
@click.argument("name")
@click.option("--image-ref", required=True, help="Name of the ImageRepository.")
@click.option("--image-ref-namespace", help="Namespace of the ImageRepository (needs its accessFrom).")
@click.option("--select-semver", help="Semver range, e.g. '>=1.0.0 <2.0.0'.")
@click.option("--select-alpha", help="asc or desc.")
@click.option("--select-numeric", help="asc or desc.")
@click.option("--filter-regex", help="RE2 pattern tags must match.")
@click.option("--filter-extract", help="Replacement with capture groups, e.g. '$version'.")
@click.option("--reflect-digest", help="Always, IfNotPresent or Never.")
@click.option("--interval", "policy_interval", default=None, help="Digest refresh interval (only with --reflect-digest=Always).")
@shared_no_interval
def policy_cmd(name: str, image_ref: str, image_ref_namespace: Any, select_semver: Any, select_alpha: Any,
               select_numeric: Any, filter_regex: Any, filter_extract: Any, reflect_digest: Any, policy_interval: Any,
               namespace: str, labels: tuple, export: bool, append_to: Any, api_version: str,
               kubeconfig: Any, kube_context: Any) -> None:
    """Create an ImagePolicy."""
    from kubectl_imagewatch.create import objects as create

    obj = create.policy(name, namespace, image_ref, select_semver, select_alpha, select_numeric, filter_regex,
                        filter_extract, reflect_digest, policy_interval, image_ref_namespace, _labels(labels),
                        api_version)
    emit(obj, export, append_to, kubeconfig, kube_context)


@image.command("update")
@click.argument("name")
@click.option("--git-repo-ref", required=True, help="Name of the GitRepository.")
@click.option("--git-repo-namespace", help="Namespace of the GitRepository.")
@click.option("--git-repo-path", help="update.path: the directory (or file) to update.")
@click.option("--checkout-branch", required=True, help="Branch to check out.")
@click.option("--push-branch", help="Branch to push to (default: the checkout branch).")
@click.option("--author-name", required=True)
@click.option("--author-email", required=True)
@click.option("--commit-template", help="Go template for the commit message.")
@click.option("--signing-key-secret", help="Secret with the signing key.")
@click.option("--signing-key-type", type=click.Choice(["gpg", "ssh"]))
@shared
def update_cmd(name: str, git_repo_ref: str, git_repo_namespace: Any, git_repo_path: Any, checkout_branch: str,
               push_branch: Any, author_name: str, author_email: str, commit_template: Any, signing_key_secret: Any,
               signing_key_type: Any, namespace: str, interval: str, labels: tuple, export: bool, append_to: Any,
               api_version: str, kubeconfig: Any, kube_context: Any) -> None:
    """Create an ImageUpdateAutomation."""
    from kubectl_imagewatch.create import objects as create

    obj = create.update(name, namespace, git_repo_ref, interval, checkout_branch, author_name, author_email,
                        git_repo_namespace, git_repo_path, push_branch, commit_template, signing_key_secret,
                        signing_key_type, _labels(labels), api_version)
    emit(obj, export, append_to, kubeconfig, kube_context)
