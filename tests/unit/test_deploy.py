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
