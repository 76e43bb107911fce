#!/usr/bin/env python3
"""Generate schemas/ from Flux's CRD YAMLs (default: ../shared/crds beside the repository).

For every (kind, apiVersion) the newest release in the CRD folder that serves that version is
used. The CRD's openAPIV3Schema is made strict the way the API server behaves: an object with
declared properties gets `additionalProperties: false` (unknown fields are pruned or rejected),
`nullable: true` becomes a JSON Schema null type. `x-kubernetes-validations` (CEL) is kept for
kubectl_imagewatch.checks.cel. SOURCE.md records the release and sha256 of every input.

usage: scripts/gen_schemas.py [CRD_DIR [OUT_DIR]]   (defaults: crds/ and schemas/ of this repository)
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys

import yaml  # PyYAML or ruamel fallback below

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "schemas")

# release folders in the order "newer wins"; main-* snapshots are ignored (schemas equal the releases)
RELEASE = re.compile(r"^(?P<ctrl>[a-z-]+-controller)-v(?P<ver>\d+\.\d+\.\d+)$")


def version_key(v: str) -> tuple:
    return tuple(int(x) for x in v.split("."))


def strict(schema: dict) -> dict:
    out = {}
    for k, v in schema.items():
        if k == "description":
            continue
        if k == "properties":
            out[k] = {p: strict(s) for p, s in v.items()}
        elif k in ("items", "additionalProperties") and isinstance(v, dict):
            out[k] = strict(v)
        else:
            out[k] = v
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out \
            and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def main(argv: list[str]) -> int:
    crds = argv[1] if len(argv) > 1 else os.path.join(HERE, "..", "crds")
    out_dir = argv[2] if len(argv) > 2 else OUT
    chosen: dict[tuple[str, str], tuple] = {}
    served_by: dict[tuple[str, str], list[str]] = {}
    for folder in sorted(os.listdir(crds)):
        m = RELEASE.match(folder)
        if not m:
            continue
        for name in sorted(os.listdir(os.path.join(crds, folder))):
            path = os.path.join(crds, folder, name)
            with open(path, "rb") as f:
                raw = f.read()
            crd = yaml.safe_load(raw)
            kind = crd["spec"]["names"]["kind"]
            group = crd["spec"]["group"]
            for v in crd["spec"]["versions"]:
                if not v.get("served"):
                    continue
                key = (kind, v["name"])
                served_by.setdefault(key, []).append(f"{m['ctrl']} v{m['ver']}")
                rank = (m["ctrl"], version_key(m["ver"]))
                if key not in chosen or rank[1] > chosen[key][0][1]:
                    chosen[key] = (rank, group, v, folder, name, hashlib.sha256(raw).hexdigest())
    os.makedirs(out_dir, exist_ok=True)
    lines = ["# Generated schemas (do not edit)", "",
             "Made by `scripts/gen_schemas.py` from Flux's CRDs (Apache License 2.0). Each schema is the",
             "CRD's `openAPIV3Schema` from the newest release that serves that version, made strict",
             "(unknown fields are errors, as the API server prunes them).", "",
             "| file | kind | apiVersion | from | CRD sha256 | served by |", "|---|---|---|---|---|---|"]
    index = {}
    for (kind, ver), (_, group, v, folder, name, digest) in sorted(chosen.items()):
        schema = strict(v["schema"]["openAPIV3Schema"])
        schema["$schema"] = "http://json-schema.org/draft-07/schema#"
        fname = f"{kind.lower()}_{ver}.json"
        with open(os.path.join(out_dir, fname), "w") as f:
            json.dump(schema, f, indent=1, sort_keys=True)
            f.write("\n")
        index[f"{group}/{ver}/{kind}"] = {"file": fname, "source": f"{folder}/{name}", "sha256": digest,
                                          "deprecated": bool(v.get("deprecated")),
                                          "servedBy": served_by[(kind, ver)]}
        lines.append(f"| {fname} | {kind} | {group}/{ver} | {folder} | `{digest[:16]}…` | "
                     f"{', '.join(served_by[(kind, ver)])} |")
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out_dir, "SOURCE.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(chosen)} schemas to {os.path.normpath(out_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
