#!/usr/bin/env python3
"""Benchmarks (never timed tests). Prints a Markdown table for the README.

- a synthetic GitOps repo (generator below): 10,000 files, ~1% Flux objects (one per file), 300
  files with markers; validate on all of it, and on one file (the pre-commit path);
- check-jsonschema on the same Flux files as a reference (when installed);
- update --dry-run on the same repo, and on a 20,000-file repo with the same 300 markers (time
  should follow the files that screen in, not the repository size);
- 100,000 tags through pattern + extract + semver, and the same in Go (tests/oracle/bench_select.go).

usage: benches/run.py [WORKDIR]
"""
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

REPO = ("apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageRepository\nmetadata:\n  name: app{n}\n"
        "  namespace: flux-system\nspec:\n  image: ghcr.io/acme/app{n}\n  interval: 5m\n")
POLICY = ("apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImagePolicy\nmetadata:\n  name: app{n}\n"
          "  namespace: flux-system\nspec:\n  imageRepositoryRef:\n    name: app{n}\n  filterTags:\n"
          "    pattern: '^v(?P<v>[0-9.]+)$'\n    extract: '$v'\n  policy:\n    semver:\n      range: '>=1.0.0'\n")
MARKED = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{i}\nspec:\n  template:\n    spec:\n"
          "      containers:\n      - name: c\n        image: ghcr.io/acme/app{n}:v1.0.0 # {{\"$imagepolicy\": \"flux-system:app{n}\"}}\n")
PLAIN = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n" + "".join(f"  key{k}: value {k}\n" for k in range(20))


def gen_repo(root: str, files: int, markers: int = 300, flux: int = 100) -> list[str]:
    flux_files = []
    flux_every, marker_every = files // flux, files // markers
    for i in range(files):
        d = os.path.join(root, f"apps/team{i % 50}/svc{i % 400}")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, f"f{i}.yaml")
        n = (i // flux_every) // 2
        if i % flux_every == 0 and (i // flux_every) < flux:
            text = (REPO if (i // flux_every) % 2 == 0 else POLICY).format(n=n)
            flux_files.append(path)
        elif i % marker_every == 1 and (i // marker_every) < markers:
            text = MARKED.format(i=i, n=(i // marker_every) % (flux // 2))
        else:
            text = PLAIN.format(i=i)
        with open(path, "w") as f:
            f.write(text)
    with open(os.path.join(root, "automation.yaml"), "w") as f:
        f.write("apiVersion: image.toolkit.fluxcd.io/v1\nkind: ImageUpdateAutomation\nmetadata:\n  name: all\n"
                "  namespace: flux-system\nspec:\n  interval: 1h\n  sourceRef:\n    kind: GitRepository\n    name: r\n"
                "  git:\n    commit:\n      author:\n        email: a@b\n  update:\n    path: ./\n    strategy: Setters\n")
    os.makedirs(os.path.join(root, ".git"), exist_ok=True)
    return flux_files


def timed(cmd: list, cwd: str, runs: int = 3) -> float:
    best = 1e9
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, capture_output=True)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="iw-bench-")
    exe = [sys.executable, "-m", "kubectl_imagewatch"]
    rows = []
    repo = os.path.join(work, "repo10k")
    big = os.path.join(work, "repo20k")
    if not os.path.exists(repo):
        flux_files = gen_repo(repo, 10_000)
        gen_repo(big, 20_000)
    else:
        flux_files = [os.path.join(d, f) for d, _, fs in os.walk(repo) for f in fs
                      if "toolkit.fluxcd.io" in open(os.path.join(d, f)).read()]
    rows.append(("validate, 10,000-file repo (100 Flux files, 300 marked)", timed(exe + ["validate", "."], repo), "< 2"))
    one = os.path.relpath(flux_files[1], repo)
    rows.append(("validate, one file (pre-commit path)", timed(exe + ["validate", one], repo), "< 0.4"))
    cj = shutil.which("check-jsonschema")
    if cj:
        repos = [os.path.relpath(f, repo) for f in flux_files if "ImageRepository" in open(f).read()]
        pols = [os.path.relpath(f, repo) for f in flux_files if "ImagePolicy" in open(f).read()]
        t = timed([cj, "--schemafile", os.path.join(ROOT, "schemas/imagerepository_v1.json")] + repos, repo) + \
            timed([cj, "--schemafile", os.path.join(ROOT, "schemas/imagepolicy_v1.json")] + pols, repo)
        rows.append(("check-jsonschema on the same 100 Flux files (schemas only; reference)", t, ""))
        rows.append(("check-jsonschema on one file (reference)", timed(
            [cj, "--schemafile", os.path.join(ROOT, "schemas/imagepolicy_v1.json"), one], repo), ""))
    tags = {f"flux-system/app{n}": [f"v{a}.{b}.{c}" for a in range(3) for b in range(4) for c in range(5)] for n in range(50)}
    with open(os.path.join(work, "tags.json"), "w") as f:
        json.dump(tags, f)
    upd = ["update", ".", "--repo-root", ".", "--tags-file", os.path.join(work, "tags.json"), "--dry-run"]
    rows.append(("update --dry-run, 10,000 files, 300 markers", timed(exe + upd, repo), "< 2"))
    rows.append(("update --dry-run, 20,000 files, same 300 markers", timed(exe + upd, big), ""))
    from kubectl_imagewatch.reflector.policy import select

    tags100k = [f"v{a}.{b}.{c}" for a in range(40) for b in range(50) for c in range(50)]
    spec = {"filterTags": {"pattern": r"^v(?P<v>[0-9]+\.[0-9]+\.[0-9]+)$", "extract": "$v"},
            "policy": {"semver": {"range": ">=1.0.0 <30.0.0"}}}
    t = time.perf_counter()
    select(spec, tags100k)
    py = time.perf_counter() - t
    rows.append(("select: 100,000 tags, pattern+extract+semver (in process)", py, "< 1"))
    go = shutil.which("go")
    if go:
        out = os.path.join(work, "bench_select")
        env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOCACHE=os.path.join(work, "gocache"))
        if subprocess.run([go, "build", "-o", out, os.path.join(ROOT, "tests/oracle/bench_select.go")], env=env,
                          capture_output=True).returncode == 0:
            gos = min(float(subprocess.run([out], capture_output=True, text=True).stdout.split()[1]) for _ in range(3))
            rows.append((f"same in Go (regexp + Masterminds); Python/Go ratio {py / gos:.1f}x", gos, ""))
    print_table(rows)
    return 0


def print_table(rows: list) -> None:
    """(name, seconds, target) rows as the README's Markdown table."""
    print("| benchmark | seconds | target |\n|---|---|---|")
    for name, s, target in rows:
        print(f"| {name} | {s:.2f} | {target} |")


if __name__ == "__main__":
    sys.exit(main())
