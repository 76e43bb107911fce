"""Every Flux object and marker-bearing file read from the given paths, indexed for look-ups.

Checks, simulate, update and run all resolve references through this one index.
"""
from __future__ import annotations

import dataclasses
import os
import re
from typing import Any, Iterable, Optional

from kubectl_imagewatch.manifests import loader
from kubectl_imagewatch.checks.base import finding
from kubectl_imagewatch.findings import Finding
from kubectl_imagewatch.manifests.kustomize import NAMES as KUSTOMIZATION_NAMES, flux_kustomization_target
from kubectl_imagewatch.manifests.model import (DEFAULT_NAMESPACE, IMAGE_POLICY, IMAGE_REPOSITORY, KINDS, FluxObject,
                                                mapping, objects_in)
from kubectl_imagewatch.manifests.screen import ScreenCache


_NEAR_MISS = re.compile(rb"(?i)\$image_?policy")


def mentions_marker(raw: bytes) -> bool:
    """Whether a file mentions `$imagepolicy` in any case (`{"$imagePolicy": ...}` is a marker Flux
    ignores, so validate must parse the file to say so); cheap for the files that do not."""
    return b"$imagepolicy" in raw or ((b"$i" in raw or b"$I" in raw) and _NEAR_MISS.search(raw) is not None)


@dataclasses.dataclass
class MarkerFile:
    path: str  # shown path
    abspath: str
    text: str
    nodes: list
    parse_failed: bool


@dataclasses.dataclass
class Inventory:
    objects: list[FluxObject] = dataclasses.field(default_factory=list)
    marker_files: list[MarkerFile] = dataclasses.field(default_factory=list)
    findings: list[Finding] = dataclasses.field(default_factory=list)
    files_read: int = 0
    secrets: dict = dataclasses.field(default_factory=dict)  # (namespace, name) -> Secret (registry auth, TLS)
    directive_texts: dict[str, str] = dataclasses.field(default_factory=dict)  # shown path -> text with `# imagewatch:`
    secret_getter: Any = None  # (namespace, name) -> Secret from a cluster, when reading one
    screen: ScreenCache = dataclasses.field(default_factory=ScreenCache)  # what reading found, per file

    def of_kind(self, kind: str) -> list[FluxObject]:
        return [o for o in self.objects if o.kind == kind]

    def get(self, kind: str, namespace: str, name: str) -> Optional[FluxObject]:
        for o in self.objects:
            if o.kind == kind and o.namespace == namespace and o.name == name:
                return o
        return None

    def repository_for(self, policy: FluxObject) -> Optional[FluxObject]:
        ref = policy.spec.get("imageRepositoryRef") or {}
        if not isinstance(ref, dict):
            return None
        return self.get(IMAGE_REPOSITORY, str(ref.get("namespace") or policy.namespace), str(ref.get("name", "")))

    def policies(self) -> list[FluxObject]:
        return self.of_kind(IMAGE_POLICY)

    def secret(self, namespace: str, name: str) -> Optional[dict]:
        """A Secret from the scanned files, else from the cluster being read, else None."""
        sec = self.secrets.get((namespace, name))
        if sec is None and self.secret_getter is not None:
            sec = self.secret_getter(namespace, name)
        return sec


def build(paths: Iterable[str], default_namespace: str = DEFAULT_NAMESPACE, markers: bool = True,
          stdin_name: str = "<stdin>", cache_file: Optional[str] = None,
          marker_paths: Optional[set[str]] = None) -> Inventory:
    """Read paths (files, directories, `-`), keeping Flux objects and files with markers.

    `cache_file`: the screen cache kept between runs (files holding nothing of interest are not read
    again while unchanged); `marker_paths`: markers are only read in these files (the hook)."""
    inv = Inventory(screen=ScreenCache(cache_file))
    cache = inv.screen
    kustomizations: list[str] = []
    charts: dict[str, Optional[str]] = {}
    targets: list[tuple[str, str, str]] = []  # Flux Kustomizations: (their file, spec.path, targetNamespace)
    absdirs: dict[str, str] = {}  # os.path.abspath per directory, not per file (10,000 files: ~30 ms)
    for path, explicit in loader.discover(list(paths)):
        shown = stdin_name if path == "-" else path
        d, name = os.path.split(path)
        if name in KUSTOMIZATION_NAMES:
            kustomizations.append(path)
        key = ""
        if path != "-":
            ad = absdirs.get(d)
            if ad is None:
                ad = absdirs[d] = os.path.abspath(d)
            key = path if ad == d else os.path.join(ad, name)
            if not explicit and cache.clean(key):
                inv.files_read += 1
                continue
        st = None
        if path == "-":
            raw: Optional[bytes] = loader.read_stdin()
            err = None
        else:
            raw, err, st = loader.read_file_stat(path, shown)
        if err is not None:
            inv.findings.append(err)
            continue
        assert raw is not None
        inv.files_read += 1
        found = _read_one(inv, path, key, shown, raw, explicit, markers, marker_paths, charts, targets,
                          default_namespace)
        if st is not None:
            cache.record(key, st, not found, loader.MARKER_TOKEN in raw)
    cache.save()
    if kustomizations:
        _apply_kustomize_namespaces(inv, kustomizations)
    if targets:
        _apply_target_namespaces(inv, targets, [p for p in paths if p != "-"])
    return inv


# the kinds whose documents are composed in files without markers (model.objects_in, kustomize targets)
WANTED_KINDS = frozenset(KINDS) | {"Kustomization", "List"}
_SECRET_KINDS = frozenset({"Secret"})


def _read_one(inv: Inventory, path: str, key: str, shown: str, raw: bytes, explicit: bool, markers: bool,
              marker_paths: Optional[set[str]], charts: dict[str, Optional[str]],
              targets: list[tuple[str, str, str]], default_namespace: str) -> bool:
    """Screen and read one file into the inventory; False when it holds nothing of interest whatever
    is asked (no Flux object, no marker, no Secret, not a chart file), so the screen cache may skip it.
    `key`: the file's absolute path ("" for stdin)."""
    has_flux = any(t in raw for t in loader.FLUX_TOKENS)
    any_marker = mentions_marker(raw)
    secret = b"kind: Secret" in raw or b'"kind": "Secret"' in raw
    if marker_paths is not None and not has_flux and key not in marker_paths:
        return any_marker or secret  # markers are only checked in the files being reported on
    has_marker = markers and loader.MARKER_TOKEN in raw
    chart = path != "-" and _chart_dir(key, charts) is not None
    if chart and not has_marker:
        if explicit:
            inv.findings.append(finding("IW007", shown, 0, 0, _CHART_SKIP))
        return True  # whether it is a chart file depends on other files
    if secret:
        _keep_secrets(inv, raw, shown, default_namespace)
    mentions = has_marker or ((markers or explicit) and any_marker)
    if not (has_flux or mentions):
        return any_marker or secret
    text, err = loader.decode(raw, shown)
    if err is not None:
        inv.findings.append(err)
        return True
    assert text is not None
    if b"imagewatch:" in raw:
        inv.directive_texts[shown] = text  # suppression comments (checks/suppress.py)
    marked = mentions
    docs, findings, nodes = loader.parse_documents(text, shown, None if marked else WANTED_KINDS)
    parse_failed = any(f.check == "IW001" for f in findings)
    if parse_failed and not has_marker and "{{" in text:
        findings = [_template_note(f) if f.check == "IW001" else f for f in findings]
    if (has_flux and not chart) or not parse_failed:
        inv.findings.extend(f for f in findings if (has_flux and not chart) or f.check != "IW001")
    before = len(inv.objects), len(targets)
    if not chart:  # a chart's objects are what helm renders, not these files
        for d in docs:
            inv.objects.extend(objects_in(d, default_namespace))
            targets.extend(flux_kustomization_target(d, path))
    if marked:
        inv.marker_files.append(MarkerFile(shown, key, text,
                                           nodes, parse_failed))
    return (marked or secret or chart or bool(findings) or b"imagewatch:" in raw
            or (len(inv.objects), len(targets)) != before)


_CHART_SKIP = ("inside a Helm chart (Chart.yaml above it): helm-controller renders it and Flux never reads it "
               "as written; not checked")


def _chart_dir(abspath: str, seen: dict[str, Optional[str]]) -> Optional[str]:
    """The Helm chart directory holding this file (a Chart.yaml in its directory or above, inside the
    repository), or None. Answers are cached per directory."""
    d = os.path.dirname(abspath)
    walked: list[str] = []
    found: Optional[str] = None
    for _ in range(64):
        if d in seen:
            found = seen[d]
            break
        walked.append(d)
        if os.path.isfile(os.path.join(d, "Chart.yaml")):
            found = d
            break
        parent = os.path.dirname(d)
        if parent == d or os.path.exists(os.path.join(d, ".git")):
            break
        d = parent
    for w in walked:
        seen[w] = found
    return found


def _template_note(f: Finding) -> Finding:
    """A file that is a Go/Helm template and carries no marker: Flux never parses it, so no error."""
    return finding("IW007", f.path, f.line, f.column,
                   f"not YAML, apparently a Go/Helm template ({f.message}); Flux never parses a file without "
                   "markers, so it is not checked")


def _apply_kustomize_namespaces(inv: Inventory, kustomizations: list[str]) -> None:
    from kubectl_imagewatch.manifests.kustomize import namespaces

    by_file = namespaces(kustomizations)
    if not by_file:
        return
    for o in inv.objects:
        ns = by_file.get(os.path.abspath(o.doc.path))
        if ns:
            o.namespace, o.namespace_given = ns, True



def _apply_target_namespaces(inv: Inventory, targets: list[tuple[str, str, str]], paths: list[str]) -> None:
    """kustomize-controller sets spec.targetNamespace on every object it builds from spec.path, over any
    namespace the files give. An object under two such paths with different namespaces has no single
    namespace: it gets the first (so objects applied together still resolve each other) marked as not
    given, so markers naming another one are judged as unknown, not wrong."""
    from kubectl_imagewatch.manifests.kustomize import target_dirs

    dirs = target_dirs(targets, paths)
    if not dirs:
        return
    for o in inv.objects:
        f = os.path.abspath(o.doc.path)
        found = {ns for d, ns in dirs if f.startswith(d + os.sep)}
        if found:  # several: one of them, the same for every object there, but not a given one
            o.namespace, o.namespace_given = sorted(found)[0], len(found) == 1


def _keep_secrets(inv: Inventory, raw: bytes, shown: str, default_namespace: str) -> None:
    """Secrets in the scanned files (docker config, TLS, proxy) for registry scans; never reported."""
    text, err = loader.decode(raw, shown)
    if text is None:
        return
    docs, _, _ = loader.parse_documents(text, shown, _SECRET_KINDS)
    for d in docs:
        if isinstance(d.data, dict) and d.data.get("kind") == "Secret" and d.data.get("apiVersion") == "v1":
            md = mapping(d.data.get("metadata"))
            name = md.get("name")
            if name:
                inv.secrets[(str(md.get("namespace") or default_namespace), str(name))] = d.data
