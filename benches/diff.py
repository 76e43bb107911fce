#!/usr/bin/env python3
"""Benchmark (never a timed test): `diff HEAD` on the synthetic 10,000-file repository of run.py,
made a real git repository, with one policy's range changed in the work tree. Prints Markdown rows.

usage: benches/diff.py [WORKDIR]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import gen_repo, print_table, timed  # noqa: E402

ENV = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com", GIT_COMMITTER_NAME="b",
           GIT_COMMITTER_EMAIL="b@example.com", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)


def main() -> int:
    work = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="iw-bench-diff-")
    repo = os.path.join(work, "repo10k-git")
    if not os.path.exists(repo):
        flux = gen_repo(repo, 10_000)
        os.rmdir(os.path.join(repo, ".git"))  # run.py's marker directory: make it a real repository
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
            subprocess.run(["git", *args], cwd=repo, env=ENV, check=True)
        policy = next(f for f in flux if "ImagePolicy" in open(f).read())
        text = open(policy).read()
        with open(policy, "w") as f:
            f.write(text.replace("'>=1.0.0'", "'>=1.0.0 <2.0.0'"))
    tags = os.path.join(work, "tags.json")
    with open(tags, "w") as f:
        json.dump({f"flux-system/app{n}": [f"v{a}.{b}.{c}" for a in range(3) for b in range(4) for c in range(5)]
                   for n in range(50)}, f)
    exe = [sys.executable, "-m", "kubectl_imagewatch"]
    rows = [("diff HEAD, 10,000-file repo (100 Flux files, 300 marked), one range changed",
             timed(exe + ["diff", "HEAD", ".", "--tags-file", tags], repo), "< 3"),
            ("simulate on the same work tree (one side, reference)",
             timed(exe + ["simulate", ".", "--tags-file", tags], repo), "")]
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
