"""deploy/: manifests parse, RBAC grants only what `run` uses, the Deployment runs the watch loop."""
from __future__ import annotations

import yaml

from tests.conftest import ROOT


def load() -> list[dict]:
    docs = []
    for f in ("rbac.yaml", "deployment.yaml"):
        docs += [d for d in yaml.safe_load_all((ROOT / "deploy" / f).read_text()) if d]
    return docs


def test_rbac_is_least_privilege() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in load()}
    rules = docs[("ClusterRole", "kubectl-imagewatch")]["rules"]
    verbs = {(g, r): set(rule["verbs"]) for rule in rules for g in rule["apiGroups"] for r in rule["resources"]}
    assert verbs[("", "secrets")] == {"get"}
    assert verbs[("image.toolkit.fluxcd.io", "imagepolicies")] == {"get", "list", "watch"}
    assert verbs[("image.toolkit.fluxcd.io", "imagepolicies/status")] == {"get", "patch"}
    assert not any({"delete", "update", "*"} & v for v in verbs.values())
    lease = docs[("Role", "kubectl-imagewatch-leader-election")]["rules"][0]
    assert lease["resources"] == ["leases"]


def test_deployment_runs_watch_with_leader_election() -> None:
    dep = next(d for d in load() if d["kind"] == "Deployment")
    c = dep["spec"]["template"]["spec"]["containers"][0]
    assert {"--watch", "--leader-elect", "--write-status", "--from-cluster"} <= set(c["args"])
    assert dep["spec"]["template"]["spec"]["serviceAccountName"] == "kubectl-imagewatch"
    assert (ROOT / "Dockerfile").read_text().count("git") >= 1


def test_every_runtime_dependency_is_used() -> None:
    """install_requires lists only what the package imports (a dead dependency is installed by every user)."""
    import configparser
    import re

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    dists = [re.split(r"[<>=;\s]", line.strip(), maxsplit=1)[0]
             for line in cfg["options"]["install_requires"].splitlines() if line.strip()]
    module = {"google-re2": "re2", "ruamel.yaml": "ruamel", "ruamel.yaml.clib": "CParser"}
    source = "\n".join(p.read_text() for p in (ROOT / "kubectl_imagewatch").rglob("*.py"))
    for dist in dists:
        name = module.get(dist, dist)
        assert re.search(rf"\b(import|from) {re.escape(name)}\b", source) or name == "CParser" and name in source, dist
