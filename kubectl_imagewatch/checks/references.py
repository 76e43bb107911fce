"""Cross-object references: policy -> repository (with accessFrom), automation -> GitRepository."""
from __future__ import annotations

from typing import Iterator

from kubectl_imagewatch.flux import selector
from kubectl_imagewatch.checks.base import Context
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests.model import GIT_REPOSITORY, IMAGE_POLICY, IMAGE_REPOSITORY, IMAGE_UPDATE_AUTOMATION


def check_set(ctx: Context) -> Iterator[Finding]:
    inv = ctx.inventory
    first: dict = {}
    for o in inv.objects:
        key = (o.kind, o.namespace, o.name)
        if key in first:
            prev = first[key]
            yield ctx.at(o, ("metadata", "name"), "IW013",
                         f"{o.kind} {o.ref} is also defined at {prev.doc.path}:{prev.pos()[0]}",
                         "one cluster keeps only the last one applied; if they belong to different clusters, "
                         "validate each cluster's directory on its own (references resolve to the first)")
        else:
            first[key] = o
    for pol in inv.of_kind(IMAGE_POLICY):
        ref = pol.spec.get("imageRepositoryRef")
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
            continue
        ns = str(ref.get("namespace") or pol.namespace)
        repo = inv.get(IMAGE_REPOSITORY, ns, ref["name"])
        if repo is None:
            others = [o.ref for o in inv.of_kind(IMAGE_REPOSITORY) if o.name == ref["name"]]
            yield ctx.at(pol, ("spec", "imageRepositoryRef", "name"), "IW301",
                         f"ImageRepository {ns}/{ref['name']} is not in the scanned files",
                         (f"found {', '.join(others)}: set imageRepositoryRef.namespace" if others else
                          "check the name, or include the file that defines it"))
            continue
        if ns != pol.namespace:
            access = repo.spec.get("accessFrom")
            sels = access.get("namespaceSelectors") if isinstance(access, dict) else None
            if not sels:
                yield ctx.at(pol, ("spec", "imageRepositoryRef", "namespace"), "IW302",
                             f"ImageRepository {repo.ref} has no accessFrom; Flux denies the cross-namespace reference "
                             f"from {pol.namespace}",
                             f"add spec.accessFrom.namespaceSelectors to {repo.ref} (matchLabels of namespace "
                             f"{pol.namespace}), or move the policy")
            elif not any(isinstance(s, dict) and not s.get("matchLabels") for s in sels):
                yield ctx.at(pol, ("spec", "imageRepositoryRef", "namespace"), "IW310",
                             f"ImageRepository {repo.ref} only admits namespaces matching its accessFrom selectors; "
                             f"make sure namespace {pol.namespace} carries those labels",
                             "namespace labels are not in the manifests; this is a reminder")
    for auto in inv.of_kind(IMAGE_UPDATE_AUTOMATION):
        ref = auto.spec.get("sourceRef")
        if isinstance(ref, dict) and isinstance(ref.get("name"), str):
            ns = str(ref.get("namespace") or auto.namespace)
            if inv.get(GIT_REPOSITORY, ns, ref["name"]) is None:
                yield ctx.at(auto, ("spec", "sourceRef", "name"), "IW303",
                             f"GitRepository {ns}/{ref['name']} is not in the scanned files (it may live in the cluster)",
                             "include its manifest to have it checked too")
        sel = auto.spec.get("policySelector")
        if sel is not None and selector.problem(sel) is None:
            pols = [p for p in inv.of_kind(IMAGE_POLICY) if p.namespace == auto.namespace]
            if pols and not any(selector.matches(sel, p.labels) for p in pols):
                yield ctx.at(auto, ("spec", "policySelector"), "IW311",
                             f"policySelector matches none of the {len(pols)} ImagePolicies in {auto.namespace}",
                             "Flux silently updates nothing; add the labels to the policies")
