"""The only module that imports `kubernetes` (inside functions, so `validate` never loads it): read
Flux objects and Secrets from a cluster, write status and events back, hold a Lease for leader
election, apply objects. Failures the client reports (ApiException, urllib3 and socket errors) become
OperationError; anything else is a bug and surfaces as one."""
from __future__ import annotations

import datetime as dt
import socket
from typing import Any, Optional

from kubectl_imagewatch.automation.credentials import scrub
from kubectl_imagewatch.errors import OperationError
from kubectl_imagewatch.flux import releases
from kubectl_imagewatch.manifests.inventory import Inventory
from kubectl_imagewatch.manifests.loader import Document
from kubectl_imagewatch.manifests.model import (GIT_REPOSITORY, IMAGE_GROUP, IMAGE_POLICY, IMAGE_REPOSITORY,
                                      IMAGE_UPDATE_AUTOMATION, SOURCE_GROUP, FluxObject)

PLURALS = {IMAGE_REPOSITORY: "imagerepositories", IMAGE_POLICY: "imagepolicies",
           IMAGE_UPDATE_AUTOMATION: "imageupdateautomations", GIT_REPOSITORY: "gitrepositories"}
VERSIONS = releases.versions_since("2.0")  # what a Flux 2 cluster may serve, newest first
MANAGER = "kubectl-imagewatch"


def client_errors() -> tuple[type[BaseException], ...]:
    """What the kubernetes client raises when the API says no or cannot be reached."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    return (ApiException, HTTPError, OSError)


def _status(e: BaseException) -> Optional[int]:
    return getattr(e, "status", None)


def describe(e: BaseException) -> str:
    """An API answer as `403 Forbidden`; a transport failure as what could not be reached and why."""
    status = _status(e)
    if status is not None:
        return f"{status} {getattr(e, 'reason', None) or ''}".strip()
    reason = getattr(e, "reason", None) or e
    first = (str(reason).splitlines() or [type(e).__name__])[0]
    return f"cannot reach the API server ({first})"


class Cluster:
    def __init__(self, kubeconfig: Optional[str] = None, context: Optional[str] = None) -> None:
        try:
            import yaml
            from kubernetes import client as k8s, config
            from kubernetes.config.config_exception import ConfigException
        except ImportError:
            raise OperationError("cluster access needs the kubernetes package, a dependency of kubectl-imagewatch: "
                                 "reinstall it (pip install kubectl-imagewatch)") from None
        self.k8s = k8s
        self.errors = client_errors()
        self.namespace = "default"
        # the kubeconfig loader raises the last three on wrongly shaped files (a list, a string ...)
        bad_config = (ConfigException, OSError, ValueError, yaml.YAMLError, TypeError, AttributeError, KeyError)
        try:
            config.load_kube_config(config_file=kubeconfig, context=context)
            try:
                contexts, active = config.list_kube_config_contexts(config_file=kubeconfig)
                if context:
                    active = next((c for c in contexts if c.get("name") == context), active)
                self.namespace = (active or {}).get("context", {}).get("namespace") or "default"
            except bad_config:
                pass  # the namespace stays "default", as kubectl has it
        except bad_config as e:
            try:
                config.load_incluster_config()
                with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace") as f:
                    self.namespace = f.read().strip()
            except bad_config:
                raise OperationError(f"no usable kubeconfig or in-cluster config: {e}") from None
        self.api = k8s.CustomObjectsApi()
        self.core = k8s.CoreV1Api()

    def _err(self, what: str, e: BaseException) -> OperationError:
        return OperationError(f"{what}: {describe(e)}")

    def _list(self, group: str, kind: str, namespace: Optional[str]) -> list[dict]:
        for v in VERSIONS:
            try:
                if namespace:
                    out = self.api.list_namespaced_custom_object(group, v, namespace, PLURALS[kind])
                else:
                    out = self.api.list_cluster_custom_object(group, v, PLURALS[kind])
            except self.errors as e:
                if _status(e) == 404:
                    continue  # this apiVersion is not served: try the next one
                raise self._err(f"list {kind}", e) from None
            items = (out or {}).get("items") or []  # type: ignore[union-attr,attr-defined]
            for it in items:
                it.setdefault("apiVersion", f"{group}/{v}")
                it.setdefault("kind", kind)
            if namespace:
                items = [i for i in items if (i.get("metadata") or {}).get("namespace", namespace) == namespace]
            return items
        return []  # no version served: the CRD is not installed

    def inventory(self, namespace: Optional[str], all_namespaces: bool = False) -> Inventory:
        inv = Inventory()
        ns = None if all_namespaces else (namespace or self.namespace)
        for kind in (IMAGE_REPOSITORY, IMAGE_POLICY, IMAGE_UPDATE_AUTOMATION):
            for obj in self._list(IMAGE_GROUP, kind, ns):
                inv.objects.append(_object(obj))
        # the GitRepositories the automations name (any namespace they point to)
        wanted = set()
        for a in inv.of_kind(IMAGE_UPDATE_AUTOMATION):
            ref = a.spec.get("sourceRef") or {}
            wanted.add((str(ref.get("namespace") or a.namespace), str(ref.get("name") or "")))
        for gns in sorted({w[0] for w in wanted}):
            for obj in self._list(SOURCE_GROUP, GIT_REPOSITORY, gns):
                o = _object(obj)
                if (o.namespace, o.name) in wanted:
                    inv.objects.append(o)
        inv.secret_getter = self.secret
        inv.files_read = 0
        return inv

    def secret(self, namespace: str, name: str) -> Optional[dict]:
        try:
            s = self.core.read_namespaced_secret(name, namespace)
        except self.errors as e:
            if _status(e) == 404:
                return None
            raise self._err(f"read Secret {namespace}/{name}", e) from None
        return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
                "type": getattr(s, "type", None), "data": dict(getattr(s, "data", None) or {})}

    def flux_image_controllers(self) -> list[str]:
        """Flux's own image controllers, if installed (we must not fight them over status)."""
        try:
            deps = self.k8s.AppsV1Api().list_deployment_for_all_namespaces()
        except self.errors:
            return []  # not allowed to list Deployments (RBAC): nothing known
        found = []
        for d in getattr(deps, "items", None) or []:
            name = d.metadata.name
            if name in ("image-reflector-controller", "image-automation-controller"):
                found.append(f"{d.metadata.namespace}/{name}")
        return found

    def patch_status(self, obj: FluxObject, status: dict) -> None:
        group, _, version = obj.api_version.partition("/")
        try:
            self.api.patch_namespaced_custom_object_status(group, version, obj.namespace, PLURALS[obj.kind], obj.name,
                                                           {"status": status})
        except self.errors as e:
            raise self._err(f"patch status of {obj.kind} {obj.ref}", e) from None

    def event(self, obj: FluxObject, reason: str, message: str, type_: str = "Normal") -> None:
        k8s = self.k8s
        now = dt.datetime.now(dt.timezone.utc)
        ev = k8s.CoreV1Event(
            metadata=k8s.V1ObjectMeta(generate_name=f"{obj.name}.", namespace=obj.namespace),
            involved_object=k8s.V1ObjectReference(kind=obj.kind, name=obj.name, namespace=obj.namespace,
                                                  api_version=obj.api_version),
            reason=reason, message=scrub(message)[:1024], type=type_, first_timestamp=now, last_timestamp=now, count=1,
            source=k8s.V1EventSource(component=MANAGER, host=socket.gethostname()))
        try:
            self.core.create_namespaced_event(obj.namespace, ev)
        except self.errors:
            pass  # events are best effort, as in Flux

    # --- leader election with a coordination.k8s.io Lease
    def acquire_lease(self, namespace: str, name: str, identity: str, duration: int = 30) -> bool:
        k8s = self.k8s
        co = k8s.CoordinationV1Api()
        now = dt.datetime.now(dt.timezone.utc)
        try:
            lease = co.read_namespaced_lease(name, namespace)
        except self.errors as e:
            if _status(e) != 404:
                raise self._err("read Lease", e) from None
            body = k8s.V1Lease(metadata=k8s.V1ObjectMeta(name=name, namespace=namespace),
                               spec=k8s.V1LeaseSpec(holder_identity=identity, lease_duration_seconds=duration,
                                                    acquire_time=now, renew_time=now))
            try:
                co.create_namespaced_lease(namespace, body)
                return True
            except self.errors as e2:
                if _status(e2) == 409:
                    return False  # someone else created it first
                raise self._err("create Lease", e2) from None
        spec = lease.spec
        holder = getattr(spec, "holder_identity", None)
        renew = getattr(spec, "renew_time", None)
        dur = getattr(spec, "lease_duration_seconds", None) or duration
        expired = renew is None or (now - renew).total_seconds() > dur
        if holder not in (None, "", identity) and not expired:
            return False
        patch = {"spec": {"holderIdentity": identity, "leaseDurationSeconds": duration,
                          "renewTime": now.isoformat().replace("+00:00", "Z")}}
        if holder != identity:
            patch["spec"]["acquireTime"] = patch["spec"]["renewTime"]
        try:
            co.patch_namespaced_lease(name, namespace, patch)
        except self.errors as e:
            raise self._err("renew Lease", e) from None
        return True


def _object(obj: dict) -> FluxObject:
    md: dict = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    kind = obj.get("kind", "")
    doc = Document(f"cluster:{kind}/{md.get('namespace', '')}/{md.get('name', '')}", 0, obj, {}, 0)
    return FluxObject(doc, (), kind, obj.get("apiVersion", ""), str(md.get("name", "")),
                      str(md.get("namespace") or "default"), True)


def client(kubeconfig: Optional[str] = None, context: Optional[str] = None) -> Any:
    return Cluster(kubeconfig, context).api


def apply(obj: dict, kubeconfig: Optional[str] = None, context: Optional[str] = None) -> str:
    """Server-side apply with field manager kubectl-imagewatch; returns "created" or "configured"."""
    api = client(kubeconfig, context)
    errors = client_errors()
    group, _, version = obj["apiVersion"].partition("/")
    md = obj["metadata"]
    plural = PLURALS[obj["kind"]]
    try:
        api.patch_namespaced_custom_object(group, version, md["namespace"], plural, md["name"], obj,
                                           field_manager=MANAGER, force=True,
                                           _content_type="application/apply-patch+yaml")
        return "configured"
    except errors as first:
        e: BaseException = first
        if _status(e) == 404:
            try:  # servers without apply-creates semantics (and emulators): create it
                api.create_namespaced_custom_object(group, version, md["namespace"], plural, obj,
                                                    field_manager=MANAGER)
                return "created"
            except errors as e2:
                e = e2
        raise OperationError(f"apply {obj['kind']} {md['namespace']}/{md['name']} failed: {describe(e)}") from None
