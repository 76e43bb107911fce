"""validate on mutated manifests, markers, kustomization.yaml trees and .imagewatch.yaml configs.

Each batch is one `validate` run over many mutated files (a unit per file, or per directory with a
kustomization.yaml); a failing batch is bisected to its culprit. Oracle: exit 0/1/2, no traceback,
within the limits, and `-o json`/`-o sarif` print JSON.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Optional

import pytest

from tests.fuzz import harness, mutate
from tests.fuzz.conftest import batches

SEEDS = mutate.seed_files()
KUSTOMIZATIONS = [s for s in SEEDS if Path(s[0]).name in ("kustomization.yaml", "Kustomization")]
BATCH = 40
FORMATS = ["text", "json", "sarif", "github"]


def json_oracle(o: harness.Outcome, root: Path, units: harness.Units) -> Optional[str]:
    fmt = o.args[o.args.index("-o") + 1] if "-o" in o.args else "text"
    if fmt in ("json", "sarif") and o.code in (0, 1):
        try:
            json.loads(o.out)
        except ValueError as e:
            return f"-o {fmt} printed no JSON: {e}"
    return None


def validate_args(rng: random.Random) -> "callable":  # type: ignore[valid-type]
    fmt = rng.choice(FORMATS)
    extra = rng.choice([[], [], ["--strict"], ["--disable", "IW404"], ["-n", "apps"]])
    by_file = rng.random() < 0.3

    def args(root: Path, units: harness.Units) -> list[str]:
        base = ["validate", "-o", fmt, *extra]
        if by_file:
            return base + sorted(rel for u in units for rel in u)
        return base + ["."]
    return args


def mutated_unit(rng: random.Random, i: int) -> dict[str, bytes]:
    if KUSTOMIZATIONS and rng.random() < 0.12:  # a directory: kustomization.yaml + a manifest it names
        _, k = rng.choice(KUSTOMIZATIONS)
        _, m = rng.choice(SEEDS)
        kus = mutate.mutate(rng, k) if rng.random() < 0.7 else rng.choice(
            [f() for n, f in mutate.HOSTILE_FILES.items() if n.startswith("kustomization")])
        return {f"d{i:03d}/kustomization.yaml": kus, f"d{i:03d}/deployment.yaml": mutate.mutate(rng, m)}
    _, data = rng.choice(SEEDS)
    return {f"f{i:03d}.yaml": mutate.mutate(rng, data, rng.choice(SEEDS)[1])}


@pytest.mark.parametrize("seed", batches(150))
def test_validate_mutated(seed: int) -> None:
    rng = random.Random(seed)
    units = [mutated_unit(rng, i) for i in range(BATCH)]
    units.append({".git/HEAD": b"ref: refs/heads/main\n"})  # stop the config search at this tree
    harness.check_units(f"validate-{seed}", units, validate_args(rng), json_oracle)


@pytest.mark.parametrize("fmt", FORMATS)
def test_validate_hostile_shapes(fmt: str) -> None:
    """The review's hostile files (deep nesting, alias bombs, huge numbers, surrogates, odd types)."""
    units = []
    for name, make in mutate.HOSTILE_FILES.items():
        if name in mutate.SLOW_HOSTILE and fmt != "text":
            continue  # seconds each, and format-independent: once is enough
        rel = f"{name}/kustomization.yaml" if name.startswith("kustomization") else f"{name}.yaml"
        units.append({rel: make()})
    units.append({".git/HEAD": b"ref: refs/heads/main\n"})
    harness.check_units(f"validate-hostile-{fmt}", units, lambda root, u: ["validate", "-o", fmt, "."],
                        json_oracle, wall=120)


@pytest.mark.parametrize("seed", batches(10))
def test_validate_stdin(seed: int) -> None:
    rng = random.Random(seed)
    _, data = rng.choice(SEEDS)
    stdin = mutate.mutate(rng, data)
    o = harness.run(["validate", "-o", rng.choice(FORMATS), "-"], harness.ROOT, stdin=stdin)
    harness.assert_clean(o, f"validate - <<< {stdin[:300]!r}")


# ---- .imagewatch.yaml --------------------------------------------------------------------------

CONFIG_SEEDS = [
    b"exclude:\n  - \"charts/**\"\n  - \"*.tmpl.yaml\"\ndisable:\n  - IW409\n  - marker-outside-automations\n"
    b"severity:\n  IW404: error\n  IW011: info\nrules:\n  - paths: [\"legacy/**\"]\n    disable: [IW404]\n"
    b"  - paths: [\"clusters/staging\"]\n    severity: {IW011: warning}\n",
    b"disable: [IW101]\n", b"exclude: ['/f00*']\n", b"{}\n", b"",
]
GLOBS = ["**", "*", "/", "/..", "../x", "a/**/b", "[", "[!a-", "**/**/**/**/**/**/**/**/**/**/**/x", "\\",
         "*" * 300, "f0*.yaml", "d0*/", "?" * 100, "{a,b}", "", ".", "./f001.yaml", "/abs"]
IDS = ["IW404", "IW999", "iw404", "", "marker-outside-automations", "IW", "IW4O4", "x" * 300, "IW001"]


def random_config(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return mutate.mutate(rng, rng.choice(CONFIG_SEEDS))
    cfg: dict = {}
    for key in rng.sample(["exclude", "disable", "severity", "rules", "typo", "extends"], rng.randint(0, 4)):
        if key == "exclude":
            cfg[key] = [rng.choice(GLOBS) for _ in range(rng.randint(0, 4))]
        elif key == "disable":
            cfg[key] = [rng.choice(IDS + [5, None, ["x"]]) for _ in range(rng.randint(0, 3))]
        elif key == "severity":
            cfg[key] = {rng.choice(IDS): rng.choice(["error", "warning", "info", "fatal", None, 1, ["x"]])
                        for _ in range(rng.randint(0, 3))}
        elif key == "rules":
            cfg[key] = [rng.choice([{"paths": [rng.choice(GLOBS)], "disable": [rng.choice(IDS)]},
                                    {"paths": rng.choice(GLOBS), "severity": {rng.choice(IDS): "info"}},
                                    {"disable": ["IW404"]}, "x", None, {"paths": [None]}])
                        for _ in range(rng.randint(0, 3))]
        else:
            cfg[key] = mutate.rand_value(rng)
    if rng.random() < 0.5:
        return json.dumps(cfg).encode()
    import yaml

    return yaml.safe_dump(cfg, allow_unicode=True).encode()


@pytest.mark.parametrize("seed", batches(80))
def test_validate_config(seed: int) -> None:
    """One config per run (a run reads one), with a few mutated manifests and suppression comments."""
    rng = random.Random(seed)
    units = [{".git/HEAD": b"ref: refs/heads/main\n"}, {".imagewatch.yaml": random_config(rng)}]
    units += [mutated_unit(rng, i) for i in range(4)]
    how, fmt = rng.random(), rng.choice(FORMATS)

    def args(root: Path, u: harness.Units) -> list[str]:
        if how < 0.3:
            return ["validate", "-o", "json", "--config", ".imagewatch.yaml", "."]
        if how < 0.5:
            return ["validate", "--repo-context", *sorted(r for x in u for r in x if r.startswith(("f", "d")))]
        return ["validate", "-o", fmt, "."]
    harness.check_units(f"config-{seed}", units, args, json_oracle, inputs=1)
