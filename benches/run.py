#!/usr/bin/env python3
"""Benchmarks (not tests): a synthetic 10,000-file GitOps repo (~1% Flux objects, ~2% files with
markers) through validate and update, a one-file pre-commit run, and 100,000 tags through
pattern+extract+semver. Prints a Markdown table. usage: benches/run.py [WORKDIR]"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def gen_repo(root: str, files: int = 10_000) -> None:
    for i in range(files):
        d = os.path.join(root, f"apps/team{i % 50}/svc{i % 400}")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"f{i}.yaml")
        if i % 100 == 0:
            n = i // 100
            text = (f"apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata:\n  name: app{n}\n"
                    f"  namespace: flux-system\nspec:\n  image: ghcr.io/acme/app{n}\n  interval: 5m\n---\n"
                    f"apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: app{n}\n"
                    f"  namespace: flux-system\nspec:\n  imageRepositoryRef:\n    name: app{n}\n  filterTags:\n"
                    f"    pattern: '^v(?P<v>[0-9.]+)$'\n    extract: '$v'\n  policy:\n    semver:\n      range: '>=1.0.0'\n")
        elif i % 50 == 1:
            n = (i // 100)
            text = (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{i}\nspec:\n  template:\n    spec:\n"
                    f"      containers:\n      - name: c\n        image: ghcr.io/acme/app{n}:v1.0.0 # "
                    f'{{"$imagepolicy": "flux-system:app{n}"}}\n')
        else:
            text = (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n" +
                    "".join(f"  key{k}: value {k} of {i}\n" for k in range(20)))
        with open(path, "w") as f:
            f.write(text)
    with open(os.path.join(root, "automation.yaml"), "w") as f:
        f.write("apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageUpdateAutomation\nmetadata:\n  name: all\n"
                "  namespace: flux-system\nspec:\n  interval: 1h\n  sourceRef:\n    kind: GitRepository\n    name: r\n"
                "  git:\n    commit:\n      author:\n        email: a@b\n  update:\n    path: ./\n    strategy: Setters\n")
    os.makedirs(os.path.join(root, ".git"), exist_ok=True)


def timed(cmd: list, cwd: str, runs: int = 3) -> float:
    best = 1e9
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="iw-bench-")
    repo = os.path.join(work, "repo")
    if not os.path.exists(repo):
        gen_repo(repo)
    exe = [sys.executable, "-m", "kubectl_imagewatch"]
    rows = []
    rows.append(("validate, 10,000-file repo (100 Flux files, 200 marked)", timed(exe + ["validate", "."], repo)))
    one = os.path.join("apps/team0/svc0/f0.yaml")
    rows.append(("validate, one file (pre-commit path)", timed(exe + ["validate", one], repo)))
    tags = {f"flux-system/app{n}": [f"v{a}.{b}.{c}" for a in range(3) for b in range(4) for c in range(5)] for n in range(100)}
    with open(os.path.join(work, "tags.json"), "w") as f:
        json.dump(tags, f)
    rows.append(("update --dry-run, same repo (200 markers)",
                 timed(exe + ["update", ".", "--repo-root", ".", "--tags-file", os.path.join(work, "tags.json"), "--dry-run"], repo)))
    cj = shutil.which("check-jsonschema")
    if cj:
        rows.append(("check-jsonschema on one Flux file (reference)", timed([cj, "--schemafile",
                     os.path.join(ROOT, "schemas/imagerepository_v1.json"), one], repo)))
    from kubectl_imagewatch.policy import select

    big = [f"v{a}.{b}.{c}" for a in range(40) for b in range(50) for c in range(50)]
    spec = {"filterTags": {"pattern": r"^v(?P<v>[0-9]+\.[0-9]+\.[0-9]+)$", "extract": "$v"},
            "policy": {"semver": {"range": ">=1.0.0 <30.0.0"}}}
    t = time.perf_counter()
    select(spec, big)
    rows.append((f"select: {len(big):,} tags through pattern+extract+semver (in process)", time.perf_counter() - t))
    print("| benchmark | seconds |\n|---|---|")
    for name, s in rows:
        print(f"| {name} | {s:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
