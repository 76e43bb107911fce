"""The release table against the CRDs it was built from, and the answers its callers rely on."""
from __future__ import annotations

import re

import pytest
import yaml

from kubectl_imagewatch.flux import releases
from tests.conftest import ROOT

CRD_DIRS = sorted(p for p in (ROOT / "crds").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", CRD_DIRS, ids=lambda p: p.name)
def test_table_matches_crds(folder) -> None:  # type: ignore[no-untyped-def]
    m = re.match(r"(.+-controller)-(v[\d.]+|main-\w+)$", folder.name)
    assert m, folder.name
    controller, tag = m.groups()
    for f in folder.glob("*.yaml"):
        crd = yaml.safe_load(f.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        served = {v["name"] for v in crd["spec"]["versions"] if v.get("served")}
        rows = [s for s in releases.TABLE if s.group == group and s.kind == kind]
        assert rows and all(s.controller == controller for s in rows)
        if tag.startswith("main"):
            want = {s.version for s in rows if s.current}
        else:
            want = {s.version for s in rows if s.served_by(releases.version(tag))}
        assert served == want, (folder.name, kind)


@pytest.mark.parametrize("api,kind,current,flux_retired", [
    ("image.toolkit.fluxcd.io/v1alpha1", "ImagePolicy", False, "0.37"),
    ("image.toolkit.fluxcd.io/v1alpha2", "ImageUpdateAutomation", False, "0.37"),
    ("image.toolkit.fluxcd.io/v1beta1", "ImageRepository", False, "2.7"),
    ("image.toolkit.fluxcd.io/v1beta2", "ImagePolicy", False, "2.9"),
    ("image.toolkit.fluxcd.io/v1", "ImageUpdateAutomation", True, None),
    ("source.toolkit.fluxcd.io/v1beta1", "GitRepository", False, "2.7"),
    ("source.toolkit.fluxcd.io/v1beta2", "GitRepository", False, "2.8"),
    ("source.toolkit.fluxcd.io/v1", "GitRepository", True, None),
])
def test_served(api: str, kind: str, current: bool, flux_retired: str) -> None:
    s = releases.lookup(api, kind)
    assert s is not None and s.current is current and s.flux_retired == flux_retired


def test_unknown_and_migration_target() -> None:
    assert releases.lookup("image.toolkit.fluxcd.io/v2", "ImagePolicy") is None
    assert releases.migrate_to("image.toolkit.fluxcd.io", "ImagePolicy") == "image.toolkit.fluxcd.io/v1"
    assert releases.migrate_to("source.toolkit.fluxcd.io", "GitRepository") == "source.toolkit.fluxcd.io/v1"
    assert releases.versions_since("2.0") == ("v1", "v1beta2", "v1beta1")


@pytest.mark.parametrize("release,fields", [
    ("2.2", {"AutomationObject", "Updated"}),
    ("2.3", {"AutomationObject", "Updated", "Changed", "Changed.ImageResult"}),
    ("2.5", {"AutomationObject", "Updated", "Changed", "Changed.ImageResult", "Values"}),
    ("2.6", {"AutomationObject", "Updated", "Changed", "Changed.ImageResult", "Values"}),
    ("2.7", {"AutomationObject", "Changed", "Values"}),
    (None, {"AutomationObject", "Changed", "Values"}),
    ("0.36", {"AutomationObject", "Updated"}),
])
def test_template_fields(release: str, fields: set) -> None:
    assert releases.template_fields(release) == fields


@pytest.mark.parametrize("version,support,newest", [
    ("v1alpha1", "some", "0.36"),  # v0.1-v0.6 had no .Updated
    ("v1alpha2", "all", "0.36"),
    ("v1beta1", "all", "2.6"),
    ("v1beta2", "some", "2.8"),
    ("v1", "none", None),
])
def test_updated_support(version: str, support: str, newest: str) -> None:
    api = "image.toolkit.fluxcd.io/" + version
    assert releases.field_support(api, "Updated") == support
    assert releases.newest_flux_serving(api, "ImageUpdateAutomation") == newest


@pytest.mark.parametrize("bad", ["two.six", "2.x", "", "3.9", "1.0", "2.99", "0.99", "0.0"])
def test_parse_release(bad: str) -> None:
    if not bad:
        assert releases.parse_release(bad) == releases.NEWEST_FLUX
        return
    with pytest.raises(ValueError):
        releases.parse_release(bad)


def test_flux_removing() -> None:
    assert releases.flux_removing("Updated") == "2.7"
    assert releases.flux_removing("Changed.ImageResult") == "2.7"
    assert releases.flux_removing("Values") is None


def test_every_schema_is_a_version_the_table_knows() -> None:
    from kubectl_imagewatch.checks import schema

    for key in schema.index():
        group, version, kind = key.split("/")
        assert releases.lookup(f"{group}/{version}", kind) is not None, key
