"""The only module that imports `kubernetes` (inside functions): apply objects to a cluster."""
from __future__ import annotations

from typing import Optional

from kubectl_imagewatch.errors import OperationError

PLURALS = {"ImageRepository": "imagerepositories", "ImagePolicy": "imagepolicies",
           "ImageUpdateAutomation": "imageupdateautomations", "GitRepository": "gitrepositories"}


def client(kubeconfig: Optional[str] = None, context: Optional[str] = None):  # type: ignore[no-untyped-def]
    try:
        from kubernetes import client as k8s, config
    except ImportError:
        raise OperationError("applying to a cluster needs the kubernetes package: pip install 'kubectl-imagewatch[cluster]'") from None
    try:
        config.load_kube_config(config_file=kubeconfig, context=context)
    except Exception:
        try:
            config.load_incluster_config()
        except Exception as e:
            raise OperationError(f"no usable kubeconfig: {e}") from None
    return k8s.CustomObjectsApi()


def apply(obj: dict, kubeconfig: Optional[str] = None, context: Optional[str] = None) -> None:
    """Server-side apply with field manager kubectl-imagewatch."""
    api = client(kubeconfig, context)
    group, _, version = obj["apiVersion"].partition("/")
    md = obj["metadata"]
    try:
        api.patch_namespaced_custom_object(group, version, md["namespace"], PLURALS[obj["kind"]], md["name"], obj,
                                           field_manager="kubectl-imagewatch", force=True,
                                           _content_type="application/apply-patch+yaml")
    except Exception as e:
        status = getattr(e, "status", None)
        reason = getattr(e, "reason", None) or str(e).splitlines()[0]
        raise OperationError(f"apply {obj['kind']} {md['namespace']}/{md['name']} failed: {status or ''} {reason}") from None
