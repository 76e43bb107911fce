"""simulate with generated policies, tags files and commit templates (never a registry: every run
has a --tags-file, and the harness turns the network off).

Oracles: exit 0/1/2 and no traceback; with -o json, JSON whose selected tags are tags the tags file
gave that repository, exit 0 exactly when every policy selected one, and one commit entry (message or
error) per automation that changed something.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Optional

import pytest

from tests.fuzz import gen, harness, mutate
from tests.fuzz.conftest import batches

K_POLICIES = 20
K_TEMPLATES = 15


def repo_doc(i: int, extra: Optional[dict] = None) -> dict:
    return {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageRepository",
            "metadata": {"name": f"app{i}", "namespace": "flux-system"},
            "spec": {"image": f"ghcr.io/acme/app{i}", "interval": "1h", **(extra or {})}}


def policy_doc(i: int, spec: dict) -> dict:
    return {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy",
            "metadata": {"name": f"app{i}", "namespace": "flux-system"},
            "spec": {"imageRepositoryRef": {"name": f"app{i}"}, **spec}}


def automation_doc(name: str, path: str, template: Optional[str] = None) -> dict:
    commit: dict = {"author": {"email": "bot@example.com", "name": "bot"}}
    if template is not None:
        commit["messageTemplate"] = template
    return {"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
            "metadata": {"name": name, "namespace": "flux-system"},
            "spec": {"interval": "1h", "sourceRef": {"kind": "GitRepository", "name": "fleet"},
                     "git": {"commit": commit, "checkout": {"ref": {"branch": "main"}}},
                     "update": {"path": path, "strategy": "Setters"}}}


def dump(docs: list) -> bytes:
    return "".join("---\n" + json.dumps(d) + "\n" for d in docs).encode("utf-8", "surrogatepass")


def simulate_oracle(tags_by_repo: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def oracle(o: harness.Outcome, root: Path, units: harness.Units) -> Optional[str]:
        if "json" not in o.args or o.code not in (0, 1):
            return None
        try:
            data = json.loads(o.out)
        except ValueError as e:
            return f"-o json printed no JSON: {e}"
        ok = True
        for p in data.get("policies", []):
            repo = (p.get("imageRepository") or {}).get("name")
            if p.get("result") is None:
                ok = False
                continue
            got = p["result"]["tag"]
            if repo in tags_by_repo and got not in tags_by_repo[repo]:
                return f"policy {p['name']} selected {got!r}, which is not among its repository's tags"
        if ok != (o.code == 0) and not data.get("commits"):
            return f"exit {o.code} but {'every' if ok else 'not every'} policy selected a tag"
        for c in data.get("commits", []):
            if c.get("message") is None and not c.get("error"):
                return f"automation {c.get('automation')}: neither a message nor an error"
        return None
    return oracle


@pytest.mark.parametrize("seed", batches(60))
def test_simulate_policies(seed: int) -> None:
    """K policies, each over its own repository's generated tags, in one run."""
    rng = random.Random(seed)
    units, tags_by_repo, tag_map = [], {}, {}
    for i in range(K_POLICIES):
        extra = {"exclusionList": mutate.pick(rng, mutate.FIELDS["exclusionList"])} if rng.random() < 0.15 else None
        units.append({f"p{i:02d}.yaml": dump([repo_doc(i, extra), policy_doc(i, gen.policy_spec(rng))])})
        t = gen.tags(rng)
        tags_by_repo[f"app{i}"] = t
        tag_map[f"flux-system/app{i}"] = t
    tags = json.dumps(tag_map, ensure_ascii=False).encode("utf-8", "surrogatepass")
    fmt = rng.choice(["json", "json", "text"])
    extra_args = rng.choice([[], ["--all"], ["--flux-release", "2.6"]])

    def args(root: Path, u: harness.Units) -> list[str]:
        (root / "tags.json").write_bytes(tags)
        return ["simulate", "-o", fmt, *extra_args, "--tags-file", "tags.json", "--repo-root", ".",
                *sorted(r for x in u for r in x)]
    harness.check_units(f"simulate-policies-{seed}", units, args, simulate_oracle(tags_by_repo))


TAGFILE_POLICIES = [{"policy": {"semver": {"range": ">=1.0.0"}}}, {"policy": {"alphabetical": {"order": "asc"}}},
                    {"policy": {"numerical": {"order": "desc"}}},
                    {"filterTags": {"pattern": "^(?P<v>[0-9]+)\\.", "extract": "$v"},
                     "policy": {"numerical": {"order": "asc"}}}]


def _tagfile_units() -> harness.Units:
    docs = []
    for i, spec in enumerate(TAGFILE_POLICIES):
        docs += [repo_doc(i), policy_doc(i, spec)]
    return [{"flux.yaml": dump(docs)}]


@pytest.mark.parametrize("seed", batches(120))
def test_simulate_tags_files(seed: int) -> None:
    """One generated (often damaged) tags file per run: JSON, YAML, tag -> digest, tags.txt, a list."""
    rng = random.Random(seed)
    keys = [f"flux-system/app{i}" for i in range(len(TAGFILE_POLICIES))]
    data = gen.tags_file(rng, keys, {k: gen.tags(rng) for k in keys})
    fmt = rng.choice(["json", "text"])
    harness.check_units(f"tags-file-{seed}", _tagfile_units(),
                        lambda root, u: ["simulate", "-o", fmt, "--tags-file", "-", "flux.yaml"], stdin=data)


@pytest.mark.parametrize("name", sorted(gen.HOSTILE_TAG_FILES))
def test_simulate_hostile_tags_files(name: str) -> None:
    data = gen.HOSTILE_TAG_FILES[name]()
    for fmt in ("text", "json"):
        harness.check_units(f"hostile-tags-{name}-{fmt}", _tagfile_units(),
                            lambda root, u: ["simulate", "-o", fmt, "--all", "--tags-file", "-", "flux.yaml"],
                            stdin=data)


MARKED = 'kind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/app0:1.0.0 # {"$imagepolicy": "flux-system:app0"}\n' \
         '    env:\n    - value: "1.0.0" # {"$imagepolicy": "flux-system:app0:tag"}\n'


@pytest.mark.parametrize("seed", batches(80))
def test_simulate_commit_templates(seed: int) -> None:
    """K automations, each over its own marked directory and with a generated messageTemplate; the same
    manifests through validate (which parses every template)."""
    rng = random.Random(seed)
    base = {"flux.yaml": dump([repo_doc(0), policy_doc(0, {"policy": {"semver": {"range": ">=1.0.0"}}})])}
    units: harness.Units = [base]
    for i in range(K_TEMPLATES):
        t = gen.template(rng)
        units.append({f"a{i:02d}.yaml": dump([automation_doc(f"a{i:02d}", f"./apps/a{i:02d}", t)]),
                      f"apps/a{i:02d}/pod.yaml": MARKED.encode()})
    tags = json.dumps({"flux-system/app0": ["1.0.0", "2.0.0", "2.1.0-rc.1"]}).encode()
    release = rng.choice([[], [], ["--flux-release", "2.0"], ["--flux-release", "2.6"]])

    def sim(root: Path, u: harness.Units) -> list[str]:
        (root / "tags.json").write_bytes(tags)
        return ["simulate", "-o", "json", *release, "--tags-file", "tags.json", "--repo-root", ".",
                *sorted(r for x in u for r in x if not r.startswith("apps/"))]
    harness.check_units(f"templates-simulate-{seed}", units, sim, simulate_oracle({"app0": ["1.0.0", "2.0.0", "2.1.0-rc.1"]}),
                        inputs=K_TEMPLATES)
    harness.check_units(f"templates-validate-{seed}", units,
                        lambda root, u: ["validate", "-o", "json", *sorted(r for x in u for r in x
                                                                             if not r.startswith("apps/"))],
                        inputs=0)
