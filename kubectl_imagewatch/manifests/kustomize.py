"""Namespaces set by kustomize: `namespace:` in a kustomization.yaml applies to every resource it
builds (including nested bases; the outermost kustomization wins, as kustomize applies it last).

Flux applies manifests through kustomize-controller, so a Flux object without metadata.namespace in
a file listed by such a kustomization lives in that namespace — references and markers resolve there.
"""
from __future__ import annotations

import os
from typing import Any, Optional

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _load(path: str) -> Optional[dict]:
    """The kustomization's data, or None when unreadable, not YAML, or not a mapping."""
    from ruamel.yaml.error import YAMLError

    from kubectl_imagewatch.manifests.loader import TooComplex, load_plain

    try:
        with open(path, "rb") as f:
            raw = f.read(1 << 20)
        docs = load_plain(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError, ValueError, TooComplex):
        return None
    data = docs[0] if docs else None
    return data if isinstance(data, dict) else None


def _entries(data: dict) -> list[Any]:
    """`resources` and `bases` entries; a field that is not a list contributes nothing."""
    out: list[Any] = []
    for key in ("resources", "bases"):
        v = data.get(key)
        if isinstance(v, list):
            out.extend(v)
    return out


def _kustomization_in(d: str) -> Optional[str]:
    for n in NAMES:
        p = os.path.join(d, n)
        if os.path.isfile(p):
            return p
    return None


def namespaces(kustomization_files: list[str], also: frozenset[str] = frozenset()) -> dict[str, str]:
    """abspath of a manifest -> the namespace kustomize gives its resources. `also`: absolute paths
    taken as files though absent (a file as it was at HEAD, deleted or renamed since)."""
    out: dict[str, str] = {}
    parsed: dict[str, Optional[dict]] = {}

    def get(p: str) -> Optional[dict]:
        if p not in parsed:
            parsed[p] = _load(p)
        return parsed[p]

    def files_of(kfile: str, seen: set[str]) -> list[str]:
        if kfile in seen:
            return []
        seen.add(kfile)
        data = get(kfile) or {}
        base = os.path.dirname(kfile)
        found: list[str] = []
        for r in _entries(data):
            if not isinstance(r, str) or "://" in r or r.startswith(("github.com/", "git@")):
                continue
            p = os.path.normpath(os.path.join(base, r))
            if os.path.isdir(p):
                inner = _kustomization_in(p)
                if inner:
                    found.extend(files_of(inner, seen))
            elif p in also or os.path.isfile(p):
                found.append(os.path.abspath(p))
        return found

    roots = [os.path.abspath(k) for k in kustomization_files]
    # inner kustomizations first, so that outer ones (applied last by kustomize) overwrite
    for k in sorted(roots, key=lambda p: -p.count(os.sep)):
        ns = (get(k) or {}).get("namespace")
        if isinstance(ns, str) and ns:
            for f in files_of(k, set()):
                out[f] = ns
    return out


FLUX_KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"


def flux_kustomization_target(doc: Any, path: str) -> list[tuple[str, str, str]]:
    """(file, spec.path, spec.targetNamespace) of a Flux Kustomization document that sets both."""
    data = getattr(doc, "data", None)
    if not isinstance(data, dict) or data.get("kind") != "Kustomization":
        return []
    api = data.get("apiVersion")
    spec = data.get("spec")
    if not isinstance(api, str) or api.partition("/")[0] != FLUX_KUSTOMIZE_GROUP or not isinstance(spec, dict):
        return []
    sub, ns = spec.get("path", "./"), spec.get("targetNamespace")
    if not isinstance(sub, str) or not isinstance(ns, str) or not ns:
        return []
    return [(os.path.abspath(path), sub, ns)]


def target_dirs(targets: list[tuple[str, str, str]], paths: list[str]) -> list[tuple[str, str]]:
    """(absolute directory, namespace) for each Flux Kustomization whose spec.path exists here: the path
    is relative to its source's root, taken as the repository holding the Kustomization, else a
    directory given on the command line. Paths leaving that root are cut to it, as SecureJoin does."""
    from kubectl_imagewatch.api import find_repo_root  # the one repository-root rule
    from kubectl_imagewatch.flux.updatepath import clean  # kustomize-controller joins spec.path with SecureJoin too

    out: list[tuple[str, str]] = []
    given = [os.path.abspath(p) for p in paths if os.path.isdir(p)]
    for kfile, sub, ns in targets:
        roots = [r for r in [find_repo_root(kfile)] if r] + given
        rel = clean(sub.replace("\\", "/"))
        for root in roots:
            d = os.path.normpath(os.path.join(root, rel))
            if os.path.isdir(d):
                out.append((d, ns))
                break
    return out
