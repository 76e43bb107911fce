"""The Flux kinds this tool understands and typed views of objects.

Which release served which apiVersion of these kinds is in flux/releases.py.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

from kubectl_imagewatch.manifests.loader import Document

IMAGE_GROUP = "image.toolkit.fluxcd.io"
SOURCE_GROUP = "source.toolkit.fluxcd.io"
IMAGE_REPOSITORY, IMAGE_POLICY, IMAGE_UPDATE_AUTOMATION, GIT_REPOSITORY = (
    "ImageRepository", "ImagePolicy", "ImageUpdateAutomation", "GitRepository")
KINDS = {IMAGE_REPOSITORY: IMAGE_GROUP, IMAGE_POLICY: IMAGE_GROUP, IMAGE_UPDATE_AUTOMATION: IMAGE_GROUP,
         GIT_REPOSITORY: SOURCE_GROUP}
DEFAULT_NAMESPACE = "flux-system"

@dataclasses.dataclass
class FluxObject:
    doc: Document
    path: tuple  # JSON path of the object inside the document (() or ("items", i))
    kind: str
    api_version: str
    name: str
    namespace: str
    namespace_given: bool

    @property
    def data(self) -> dict:
        d: Any = self.doc.data
        for p in self.path:
            d = d[p]
        return d

    @property
    def spec(self) -> dict:
        s = self.data.get("spec")
        return s if isinstance(s, dict) else {}

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]

    @property
    def labels(self) -> dict:
        md = self.data.get("metadata") or {}
        lb = md.get("labels") if isinstance(md, dict) else None
        return lb if isinstance(lb, dict) else {}

    @property
    def ref(self) -> str:
        return f"{self.namespace}/{self.name}"

    def pos(self, *path: Any) -> tuple[int, int]:
        return self.doc.pos(self.path + path)

    def key_pos(self, *path: Any) -> tuple[int, int]:
        return self.doc.key_pos(self.path + path)

    def get(self, *path: Any, default: Any = None) -> Any:
        d: Any = self.data
        for p in path:
            if isinstance(d, dict) and p in d:
                d = d[p]
            elif isinstance(d, list) and isinstance(p, int) and 0 <= p < len(d):
                d = d[p]
            else:
                return default
        return d


def objects_in(doc: Document, default_namespace: str = DEFAULT_NAMESPACE) -> list[FluxObject]:
    """The Flux objects a document holds (itself, or the items of a `kind: List`)."""
    out: list[FluxObject] = []
    data = doc.data
    if not isinstance(data, dict):
        return out
    candidates: list[tuple[tuple, Any]] = [((), data)]
    if data.get("kind") in ("List",) and isinstance(data.get("items"), list):
        candidates = [(("items", i), it) for i, it in enumerate(data["items"])]
    for path, obj in candidates:
        if not isinstance(obj, dict):
            continue
        kind, api = obj.get("kind"), obj.get("apiVersion")
        if not isinstance(kind, str) or not isinstance(api, str) or kind not in KINDS:
            continue
        if api.partition("/")[0] != KINDS[kind]:
            continue
        md = mapping(obj.get("metadata"))
        ns = md.get("namespace")
        name = md.get("name")
        out.append(FluxObject(doc, path, kind, api, str(name) if name is not None else "",
                              str(ns) if ns else default_namespace, bool(ns)))
    return out


def mapping(v: Any) -> dict:
    """v when it is a mapping, else {} (manifests are untrusted: any field may have any type)."""
    return v if isinstance(v, dict) else {}


def secret_name(secret: Any) -> str:
    md = mapping(mapping(secret).get("metadata"))
    ns, name = md.get("namespace"), md.get("name")
    return f"Secret {ns}/{name}" if ns and name else f"Secret {name}" if name else "a Secret"


def secret_value(secret: dict, key: str) -> Optional[bytes]:
    """A Secret's value: stringData as is, data base64-decoded; None when absent.

    Secrets in the scanned files are untrusted manifests: `data` that is not a mapping, a value
    that is not a string or not base64 is an OperationError naming the Secret and the key (the
    API server would refuse such a Secret; here it must not crash a scan).
    """
    from kubectl_imagewatch.errors import OperationError

    secret = mapping(secret)
    for field in ("stringData", "data"):
        if secret.get(field) is not None and not isinstance(secret.get(field), dict):
            raise OperationError(f"{secret_name(secret)} is malformed: {field} is not a mapping")
    plain = secret.get("stringData") or {}
    if key in plain:
        if not isinstance(plain[key], str):
            raise OperationError(f"{secret_name(secret)} is malformed: stringData key {key!r} is not a string")
        return plain[key].encode("utf-8", "surrogatepass")
    enc = (secret.get("data") or {}).get(key)
    if enc is None:
        return None
    import base64
    import binascii

    try:
        if not isinstance(enc, str):
            raise TypeError
        return base64.b64decode("".join(enc.split()), validate=True)
    except (TypeError, ValueError, binascii.Error):
        raise OperationError(f"{secret_name(secret)} is malformed: data key {key!r} is not base64") from None
