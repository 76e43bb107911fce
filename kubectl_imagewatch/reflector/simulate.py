"""simulate: each ImagePolicy's selection over real or offline tags, with every tag's verdict."""
from __future__ import annotations

import dataclasses
from typing import Optional

from kubectl_imagewatch.manifests.inventory import Inventory
from kubectl_imagewatch.manifests.model import FluxObject
from kubectl_imagewatch.reflector.policy import PolicyError, Selection, select
from kubectl_imagewatch.reflector.tags import TagProvider

__all__ = ["PolicyResult", "run"]


@dataclasses.dataclass
class PolicyResult:
    policy: FluxObject
    repository: Optional[FluxObject]
    image: str
    selection: Selection
    digest: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.selection.error is None and self.selection.tag is not None

    def as_dict(self) -> dict:
        s = self.selection
        repo = self.repository
        return {
            "namespace": self.policy.namespace, "name": self.policy.name,
            "imageRepository": {"namespace": repo.namespace if repo else None, "name": repo.name if repo else None,
                                "image": self.image or None},
            "result": ({"tag": s.tag, "image": f"{self.image}:{s.tag}", "digest": self.digest} if self.ok else None),
            "error": s.error.as_dict() if s.error else None,
            "tied": s.tied,
            "warnings": s.warnings,
            "tags": [t.as_dict() for t in s.tags],
        }


def run(inv: Inventory, provider: TagProvider, only: Optional[set[str]] = None) -> list[PolicyResult]:
    results = []
    pols = [p for p in inv.policies() if not only or p.ref in only or p.name in only]
    provider.prefetch([r for r in (inv.repository_for(p) for p in pols) if r is not None])
    for pol in pols:
        repo = inv.repository_for(pol)
        if repo is None:
            ref = pol.spec.get("imageRepositoryRef") or {}
            sel = Selection(error=PolicyError("no-tags", f"referenced ImageRepository does not exist: "
                                                         f"{ref.get('namespace') or pol.namespace}/{ref.get('name')}"))
            results.append(PolicyResult(pol, None, "", sel))
            continue
        image = str(repo.spec.get("image") or "")
        tags, err = provider.tags(repo)
        if tags is None:
            results.append(PolicyResult(pol, repo, image, Selection(error=PolicyError("no-tags", err or "no tags"))))
            continue
        excl = repo.spec.get("exclusionList")
        sel = select(pol.spec, tags, excl if isinstance(excl, list) else None)
        digest = None
        if sel.tag and pol.spec.get("digestReflectionPolicy") in ("IfNotPresent", "Always"):
            digest, derr = provider.digest(repo, sel.tag, tags.get(sel.tag))
            if derr:
                sel.error = PolicyError("digest-failed", f"failed fetching digest of {image}:{sel.tag}: {derr}")
                sel.tag = None
        results.append(PolicyResult(pol, repo, image, sel, digest))
    return results
