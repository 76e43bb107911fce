"""Which Flux release served which apiVersion and which commit-template field: the one table.

Every "is this version still served", "what did it become", "which template data did the controller
hand out" question is answered here, so a new Flux release is one edit. Facts come from the CRDs
under crds/ (which versions each controller release serves; tests/unit/test_releases.py checks the
table against them) and the controllers' changelogs for the releases before those:

- image-reflector-controller: v1alpha1 from v0.1.0, v1alpha2 from v0.9.0, v1beta1 from v0.11.0,
  both alphas removed in v0.23.0 (Flux 0.37), v1beta2 from v0.25.0, v1 and the removal of v1beta1 in
  v1.0.0 (Flux 2.7), v1beta2 removed in v1.2.0 (Flux 2.9).
- image-automation-controller: v1alpha1 from v0.1.0, v1alpha2 from v0.9.0, v1beta1 from v0.14.0,
  alphas removed in v0.27.0 (Flux 0.37), v1beta2 from v0.38.0 (Flux 2.3), v1 and the removal of
  v1beta1 in v1.0.0 (Flux 2.7), v1beta2 removed in v1.2.0 (Flux 2.9).
- source-controller (GitRepository): v1alpha1 until v0.1.0 removed it, v1beta1 from v0.1.0,
  v1beta2 from v0.22.0, v1 from v1.0.0 (Flux 2.0); v1beta1 removed in v1.7.0 (Flux 2.7), v1beta2
  in v1.8.0 (Flux 2.8).
Flux Kustomizations (kustomize.toolkit.fluxcd.io) are read only for spec.path/targetNamespace, which
mean the same in every version; no finding is made on their apiVersion, so they are not listed.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

from kubectl_imagewatch.manifests.model import (GIT_REPOSITORY, IMAGE_GROUP, IMAGE_POLICY, IMAGE_REPOSITORY,
                                                IMAGE_UPDATE_AUTOMATION, SOURCE_GROUP)

KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"
REFLECTOR, AUTOMATION, SOURCE = "image-reflector-controller", "image-automation-controller", "source-controller"

Version = tuple[int, ...]


def version(text: str) -> Version:
    """'v1.2.3' or '2.7' -> (1, 2, 3) / (2, 7); ValueError when it is not dotted numbers."""
    parts = text.strip().lstrip("v").split(".")
    if not parts or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return tuple(int(p) for p in parts)


@dataclasses.dataclass(frozen=True)
class Served:
    """One apiVersion of one kind: the controller releases that served it, and the Flux releases."""
    group: str
    kind: str
    version: str
    controller: str
    first: str  # first controller release serving it
    last: Optional[str] = None  # last controller release serving it; None: still served
    flux_last: Optional[str] = None  # last Flux release serving it
    flux_retired: Optional[str] = None  # first Flux release that no longer serves it

    @property
    def current(self) -> bool:
        return self.last is None

    def served_by(self, controller_release: Version) -> bool:
        return version(self.first) <= controller_release and (
            self.last is None or controller_release[:2] <= version(self.last)[:2])

    def retired_text(self) -> str:
        """'retired in Flux 2.7 (image-reflector-controller v0.35.2 was the last to serve it)'."""
        if not self.flux_retired:
            return f"retired after {self.controller} {self.last}"
        return f"retired in Flux {self.flux_retired} ({self.controller} {self.last} was the last to serve it)"


def _kind(group: str, kind: str, controller: str, rows: list[tuple]) -> list[Served]:
    """Rows: (version, first, last, last Flux serving it, first Flux without it); trailing ones optional."""
    out = []
    for row in rows:
        ver, first, last, flux_last, flux_retired = (tuple(row) + (None,) * 4)[:5]
        out.append(Served(group, kind, ver, controller, first, last, flux_last, flux_retired))
    return out


_REFLECTOR_ROWS = [("v1alpha1", "v0.1.0", "v0.22.1", "0.36", "0.37"),
                   ("v1alpha2", "v0.9.0", "v0.22.1", "0.36", "0.37"),
                   ("v1beta1", "v0.11.0", "v0.35.2", "2.6", "2.7"),
                   ("v1beta2", "v0.25.0", "v1.1.2", "2.8", "2.9"),
                   ("v1", "v1.0.0")]
_AUTOMATION_ROWS = [("v1alpha1", "v0.1.0", "v0.26", "0.36", "0.37"),
                    ("v1alpha2", "v0.9.0", "v0.26", "0.36", "0.37"),
                    ("v1beta1", "v0.14.0", "v0.41.2", "2.6", "2.7"),
                    ("v1beta2", "v0.38.0", "v1.1.4", "2.8", "2.9"),
                    ("v1", "v1.0.0")]
_SOURCE_ROWS = [("v1alpha1", "v0.0.1", "v0.0.18"),
                ("v1beta1", "v0.1.0", "v1.6", "2.6", "2.7"),
                ("v1beta2", "v0.22.0", "v1.7", "2.7", "2.8"),
                ("v1", "v1.0.0")]

TABLE: list[Served] = (
    _kind(IMAGE_GROUP, IMAGE_REPOSITORY, REFLECTOR, _REFLECTOR_ROWS)
    + _kind(IMAGE_GROUP, IMAGE_POLICY, REFLECTOR, _REFLECTOR_ROWS)
    + _kind(IMAGE_GROUP, IMAGE_UPDATE_AUTOMATION, AUTOMATION, _AUTOMATION_ROWS)
    + _kind(SOURCE_GROUP, GIT_REPOSITORY, SOURCE, _SOURCE_ROWS)
)

# Flux minor release -> image-automation-controller minor it ships (the template data follows it).
FLUX_AUTOMATION = {(2, 0): (0, 35), (2, 1): (0, 36), (2, 2): (0, 37), (2, 3): (0, 38), (2, 4): (0, 39),
                   (2, 5): (0, 40), (2, 6): (0, 41), (2, 7): (1, 0), (2, 8): (1, 1), (2, 9): (1, 2)}
NEWEST_FLUX = max(FLUX_AUTOMATION)
LAST_FLUX_0 = (0, 41)  # the last Flux 0.x minor; 1.x is the legacy fluxcd/flux, without these APIs

# Commit-template data fields: the automation controller releases that hand them out [first, until).
TEMPLATE_FIELDS: dict[str, tuple[Version, Optional[Version]]] = {
    "AutomationObject": ((0, 1), None),
    "Updated": ((0, 7), (1, 0)),
    "Changed": ((0, 38), None),
    "Changed.ImageResult": ((0, 38), (1, 0)),
    "Values": ((0, 40), None),
}


def lookup(api_version: str, kind: str) -> Optional[Served]:
    group, _, ver = api_version.partition("/")
    return next((s for s in TABLE if s.group == group and s.kind == kind and s.version == ver), None)


def current(group: str, kind: str) -> list[Served]:
    """The versions the newest Flux serves for this kind, newest first."""
    return [s for s in reversed(TABLE) if s.group == group and s.kind == kind and s.current]


def migrate_to(group: str, kind: str) -> str:
    cur = current(group, kind)
    return f"{group}/{cur[0].version}" if cur else group


def versions_since(flux: str, kind: str = IMAGE_POLICY, group: str = IMAGE_GROUP) -> tuple[str, ...]:
    """The versions of a kind some Flux release >= `flux` served, newest first (what a cluster may hold)."""
    since = version(flux)
    return tuple(s.version for s in reversed(TABLE) if s.group == group and s.kind == kind
                 and (s.flux_last is None or version(s.flux_last) >= since))


def parse_release(release: Optional[str]) -> tuple[int, int]:
    """A Flux release as (major, minor); None/'current'/'latest' -> the newest in the table."""
    if not release or release in ("current", "latest"):
        return NEWEST_FLUX
    try:
        major, minor = version(release)[:2]
    except ValueError:
        raise ValueError(f"unknown Flux release {release!r}; use e.g. 2.6 or 2.7") from None
    if not ((0, 1) <= (major, minor) <= LAST_FLUX_0 or (2, 0) <= (major, minor) <= NEWEST_FLUX):
        newest = ".".join(map(str, NEWEST_FLUX))
        raise ValueError(f"unknown Flux release {release!r}: Flux released 0.1 to 0.41 and 2.0 to {newest} "
                         "(current: the newest)")
    return major, minor


def automation_release(flux: tuple[int, int]) -> Version:
    """The image-automation-controller (major, minor) a Flux release ships."""
    if flux in FLUX_AUTOMATION:
        return FLUX_AUTOMATION[flux]
    if flux > NEWEST_FLUX:
        return FLUX_AUTOMATION[NEWEST_FLUX]
    return (0, 34)  # Flux 0.x: the v1beta1-era controllers, all with .Updated


def template_fields(release: Optional[str]) -> frozenset[str]:
    """The commit-template data fields the controller of this Flux release hands out."""
    ctrl = automation_release(parse_release(release))
    return frozenset(f for f, (first, until) in TEMPLATE_FIELDS.items()
                     if first <= ctrl and (until is None or ctrl < until))


def flux_removing(field: str) -> Optional[str]:
    """The first Flux release whose controller no longer hands out this template field ('2.7')."""
    until = TEMPLATE_FIELDS[field][1]
    found = [f for f, ctrl in sorted(FLUX_AUTOMATION.items()) if until is not None and ctrl >= until]
    return ".".join(map(str, found[0])) if found else None


def newest_flux_serving(api_version: str, kind: str) -> Optional[str]:
    """The last Flux release that served this apiVersion; None when current Flux serves it (or unknown)."""
    s = lookup(api_version, kind)
    return s.flux_last if s is not None else None


def field_support(api_version: str, field: str, kind: str = IMAGE_UPDATE_AUTOMATION) -> str:
    """'all', 'some' or 'none': of the controller releases that served this apiVersion, how many
    handed the template field out. Unknown versions count as current ('none' for removed fields)."""
    s = lookup(api_version, kind)
    first, until = TEMPLATE_FIELDS[field]
    if s is None or s.last is None:
        return "none" if until is not None else "all"
    lo, hi = version(s.first)[:2], version(s.last)[:2]
    has_lo = first <= lo and (until is None or lo < until)
    has_hi = first <= hi and (until is None or hi < until)
    if has_lo and has_hi:
        return "all"
    return "some" if has_lo or has_hi else "none"
