"""The values an update produces and consumes, typed as image-automation-controller types them
(`internal/update/result.go`: Change, ObjectIdentifier, FileChanges; ImagePolicy's latestRef).

A Change is one marked value rewritten; a FileUpdate is one file's old and new bytes with its
changes; a LatestRef is what a policy selected. JSON shapes (`-o json`, the cluster status) are
produced here and nowhere else.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Iterable, Optional

from kubectl_imagewatch.flux import imageref


@dataclasses.dataclass(frozen=True)
class LatestRef:
    """An ImagePolicy's status.latestRef: the image as configured, the selected tag, its digest."""

    image: str
    tag: str
    digest: Optional[str] = None

    @property
    def full(self) -> str:
        """What the plain `<ns>:<name>` setter writes: name:tag, or name:tag@digest."""
        return imageref.reference(self.image, self.tag, self.digest)

    def as_dict(self) -> dict:
        return {"image": self.image, "tag": self.tag, "digest": self.digest}


def latest_refs(results: Iterable[Any]) -> dict[str, LatestRef]:
    """`<ns>:<name>` -> LatestRef for every policy result that selected a tag (reflector PolicyResult)."""
    return {f"{r.policy.namespace}:{r.policy.name}": LatestRef(r.image, r.selection.tag, r.digest)
            for r in results if r.ok}


@dataclasses.dataclass(frozen=True, order=True)
class ObjectId:
    """Flux's ObjectIdentifier: from the document holding the marker ("" when a field is absent)."""

    api_version: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""

    @classmethod
    def from_dict(cls, d: dict) -> "ObjectId":
        return cls(str(d.get("apiVersion", "")), str(d.get("kind", "")), str(d.get("name", "")),
                   str(d.get("namespace", "")))

    def as_dict(self) -> dict:
        return {"apiVersion": self.api_version, "kind": self.kind, "name": self.name, "namespace": self.namespace}


@dataclasses.dataclass(frozen=True)
class Change:
    """One marked value rewritten (Flux's update.Change plus where it sits)."""

    setter: str
    old: str
    new: str
    line: int
    object: ObjectId = ObjectId()
    file: str = ""  # relative to update.path, '/'-separated (Flux's FileChanges key)
    repo_file: str = ""  # relative to the repository root, '/'-separated
    was_null: bool = False  # the field held null: Flux writes '!!null <value>'

    @property
    def policy(self) -> str:
        """The `<ns>:<name>` part of the setter."""
        return ":".join(self.setter.split(":")[:2])

    def as_json(self) -> dict:
        return {"file": self.file, "repoFile": self.repo_file, "line": self.line, "setter": self.setter,
                "oldValue": self.old, "newValue": self.new, "object": self.object.as_dict()}

    @classmethod
    def from_json(cls, d: dict) -> "Change":
        """The inverse of as_json (also reads the oracle's wire form: file, object, oldValue, newValue, setter)."""
        return cls(d["setter"], d["oldValue"], d["newValue"], int(d.get("line", 0)),
                   ObjectId.from_dict(d.get("object") or {}), d.get("file", ""), d.get("repoFile", d.get("file", "")))


@dataclasses.dataclass
class FileUpdate:
    """One file the update rewrites: where it is, its bytes before and after, and the changes."""

    root: str  # the repository root (real path)
    path: str  # the file written, relative to root (a symlink's target, real path)
    repo_file: str  # the file as found under update.path, relative to root (a link keeps its name)
    file: str  # relative to update.path (Flux's FileChanges key)
    old: bytes
    new: bytes
    changes: list[Change] = dataclasses.field(default_factory=list)

    @property
    def abspath(self) -> str:
        return os.path.join(self.root, self.path)
