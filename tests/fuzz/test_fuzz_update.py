"""update on mutated marked trees, with an integrity oracle on the bytes written.

Each run builds a repository (mutated marked files under update.path, marked files outside it and
under .git/, links out of the repository and into it, sometimes a FIFO or an oversized file) and a
sibling directory outside the repository, runs `update` for real (or --dry-run), and checks:
- exit 0/1/2, no traceback, within the limits;
- with --dry-run, or exit != 0, not one byte changed anywhere (all-or-nothing);
- no file created or deleted, no file outside update.path changed (a link inside the repository may
  lead update.path to a file elsewhere in it: that target counts as inside), nothing outside the
  repository or under .git/ changed;
- in a changed file every changed line held a marker, its marker comment is intact, and the line's new
  text holds the policy's new tag, image or digest.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import pytest

from tests.fuzz import harness, mutate
from tests.fuzz.conftest import batches

MARKER = re.compile(r'"\$imagepolicy"\s*:\s*"([^":]*):([^":]*)')
SEEDS = sorted((rel, data) for rel, data in mutate.seed_files()
               if b"$imagepolicy" in data and "/expected" not in rel)
TAG, DIGEST = "2.0.0", "sha256:" + "ab" * 32


def policies_in(files: list[bytes]) -> set[tuple[str, str]]:
    out = {("flux-system", "app")}
    for data in files:
        for m in MARKER.finditer(data.decode("utf-8", "replace")):
            if 0 < len(m.group(1)) < 64 and 0 < len(m.group(2)) < 64 and "\\" not in m.group(0):
                out.add((m.group(1), m.group(2)))
    return out


def manifests(pols: set[tuple[str, str]], path: str) -> tuple[bytes, bytes]:
    docs, tags = [], {}
    for ns, name in sorted(pols):
        image = f"ghcr.io/acme/{name.lower()}"
        docs.append({"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageRepository",
                     "metadata": {"name": name, "namespace": ns}, "spec": {"image": image, "interval": "1h"}})
        spec = {"imageRepositoryRef": {"name": name}, "policy": {"alphabetical": {"order": "asc"}}}
        if sum(map(ord, name)) % 2:  # depends on the policy only, so bisection keeps it
            spec["digestReflectionPolicy"] = "IfNotPresent"
        docs.append({"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy",
                     "metadata": {"name": name, "namespace": ns}, "spec": spec})
        tags[f"{ns}/{name}"] = {"1.0.0": DIGEST.replace("ab", "cd"), TAG: DIGEST}
    docs.append({"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageUpdateAutomation",
                 "metadata": {"name": "fuzz", "namespace": "flux-system"},
                 "spec": {"interval": "1h", "sourceRef": {"kind": "GitRepository", "name": "fleet"},
                          "git": {"commit": {"author": {"email": "bot@example.com", "name": "bot"},
                                             "messageTemplate": "{{ range .Changed.Changes }}{{ .NewValue }} {{ end }}"}},
                          "update": {"path": path, "strategy": "Setters"}}})
    return "".join("---\n" + json.dumps(d) + "\n" for d in docs).encode(), json.dumps(tags).encode()


def snapshot(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under root: ('file', bytes), ('link', target), ('dir', b''), ('other', b'')."""
    out: dict[str, tuple[str, bytes]] = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = Path(d) / n
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p).encode())
            elif p.is_dir():
                out[rel] = ("dir", b"")
            elif p.is_file():
                out[rel] = ("file", p.read_bytes() if p.stat().st_size <= 1 << 20 else b"<big:%d>" % p.stat().st_size)
            else:
                out[rel] = ("other", b"")
    return out


def _lines(b: bytes) -> list[bytes]:
    return b.splitlines(keepends=True)


def _head_marker(lines: list[bytes], i: int) -> bool:
    """The comment lines right above line i hold a marker."""
    j = i - 1
    while j >= 0 and lines[j].lstrip().startswith(b"#"):
        if b"$imagepolicy" in lines[j]:
            return True
        j -= 1
    return False


def check_bytes(old: bytes, new: bytes) -> Optional[str]:
    """Changed lines held a marker, keep their marker comment, and now name the new tag/image/digest."""
    import difflib

    a, b = _lines(old), _lines(new)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if op != "replace" or i2 - i1 != j2 - j1:
            return f"{op} of lines {i1 + 1}-{i2} (not a one-for-one rewrite of marked lines)"
        for k, (x, y) in enumerate(zip(a[i1:i2], b[j1:j2])):
            if b"$imagepolicy" not in x:
                if x.lstrip().startswith(b"- ") and _head_marker(a, i1 + k):
                    continue  # a sequence item's head comment marks it (go-yaml's HeadComment)
                return f"line without a marker changed: {x[:200]!r} -> {y[:200]!r}"
            at = x.find(b"#", max(0, x.find(b"$imagepolicy") - 40))
            comment = x[at:].rstrip(b"\r\n") if at >= 0 else b""
            if comment and comment not in y:
                return f"marker comment changed: {x[:200]!r} -> {y[:200]!r}"
            empty_digest = b':digest"' in x and (b'""' in y or b"''" in y)  # no reflected digest: Flux writes ""
            if not empty_digest and not any(v in y for v in (TAG.encode(), DIGEST.encode(), b"ghcr.io/acme/")):
                return f"marked line rewritten to something else than the new value: {x[:200]!r} -> {y[:200]!r}"
    return None


def layout(rng: random.Random, units: harness.Units, root: Path, special: list[str]) -> None:
    repo, outside = root / "repo", root / "outside"
    for u in units:
        for rel, data in u.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
    marked = b'image: ghcr.io/acme/app:1.0.0 # {"$imagepolicy": "flux-system:app"}\n'
    for rel in ("repo/other/o.yaml", "repo/.git/evil.yaml", "outside/x.yaml", "outside/dir/y.yaml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(marked)
    (repo / ".git" / "HEAD").write_bytes(b"ref: refs/heads/main\n")
    apps = repo / "apps"
    apps.mkdir(parents=True, exist_ok=True)
    for s in special:
        if s == "link-out":
            os.symlink("../../outside/x.yaml", apps / "link-out.yaml")
        elif s == "dirlink-out":
            os.symlink("../../outside/dir", apps / "dirlink")
        elif s == "link-abs":
            os.symlink(str(outside / "x.yaml"), apps / "link-abs.yaml")
        elif s == "link-in":
            os.symlink("../other/o.yaml", apps / "link-in.yaml")
        elif s == "link-git":
            os.symlink("../.git/evil.yaml", apps / "link-git.yaml")
        elif s == "dangling":
            os.symlink("nowhere.yaml", apps / "dangling.yaml")
        elif s == "loop":
            os.symlink("loop.yaml", apps / "loop.yaml")
        elif s == "fifo":
            os.mkfifo(apps / "fifo.yaml")
        elif s == "dir-named-yaml":
            (apps / "dir.yaml").mkdir()
        elif s == "oversized":
            with open(apps / "big.yaml", "wb") as f:  # sparse: cheap on disk
                f.truncate(9 << 20)
                f.write(marked)
        elif s == "unreadable":
            (apps / "secret.yaml").write_bytes(marked)
            os.chmod(apps / "secret.yaml", 0)
    del outside


SPECIALS = ["link-out", "dirlink-out", "link-abs", "link-in", "link-git", "dangling", "loop", "fifo",
            "dir-named-yaml", "oversized", "unreadable"]


def run_tree(rng: random.Random, units: harness.Units, special: list[str], path: str, dry: bool,
             count: bool) -> Optional[tuple[harness.Outcome, str]]:
    root = Path(tempfile.mkdtemp(prefix="fuzz-update-"))
    try:
        layout(rng, units, root, special)
        flux, tags = manifests(policies_in([d for u in units for d in u.values()]), path)
        (root / "flux.yaml").write_bytes(flux)
        (root / "tags.json").write_bytes(tags)
        before = snapshot(root)
        args = ["update", "--repo-root", "repo", "--tags-file", "tags.json", "-o", "json", "flux.yaml"]
        if dry:
            args.append("--dry-run")
        o = harness.run(args, root, inputs=len(units) if count else 0)
        why = o.problem() or judge(o, before, snapshot(root), dry, path, "link-in" in special)
        return (o, why) if why else None
    finally:
        for d, dirs, files in os.walk(root):
            for n in files:
                try:
                    os.chmod(Path(d) / n, 0o600, follow_symlinks=False)
                except (OSError, NotImplementedError):
                    pass
        shutil.rmtree(root, ignore_errors=True)


def judge(o: harness.Outcome, before: dict, after: dict, dry: bool, path: str, link_in: bool) -> Optional[str]:
    if set(before) != set(after):
        return f"entries created {sorted(set(after) - set(before))[:5]} or removed {sorted(set(before) - set(after))[:5]}"
    changed = [rel for rel in before if before[rel] != after[rel]]
    if changed and (dry or o.code != 0):
        return f"{'--dry-run' if dry else f'exit {o.code}'} but changed {changed[:5]}"
    scope = ("repo" + os.path.normpath("/" + path.lstrip("/"))).rstrip("/")  # `..` stops at the root, as securejoin
    for rel in changed:
        kind, data = before[rel]
        if kind != "file" or after[rel][0] != "file":
            return f"{rel}: a {kind} became a {after[rel][0]}"
        allowed = rel.startswith(scope + "/") and not rel.startswith("repo/.git/")
        if link_in and rel == "repo/other/o.yaml":
            allowed = True  # reached through apps/link-in.yaml, a link that stays inside the repository
        if not allowed:
            return f"{rel} changed, outside update.path {path!r}"
        why = check_bytes(data, after[rel][1])
        if why:
            return f"{rel}: {why}"
    return None


PATHS = ["./apps", "./apps", "./apps", "apps", "./", "../..", "/", "./apps/../..", "./other/../apps"]


@pytest.mark.parametrize("seed", batches(100))
def test_update_tree(seed: int) -> None:
    rng = random.Random(seed)
    units: harness.Units = []
    for i in range(rng.randint(2, 8)):
        rel, data = rng.choice(SEEDS)
        if rng.random() < 0.7:
            data = mutate.lines_mutation(rng, data.decode("utf-8", "replace")).encode("utf-8", "surrogatepass") \
                if rng.random() < 0.75 else mutate.bytes_mutation(rng, data)
        units.append({f"repo/apps/f{i}/{Path(rel).name}": data})
    special = rng.sample(SPECIALS, rng.randint(0, 3))
    path = rng.choice(PATHS)
    dry = rng.random() < 0.2
    first = run_tree(rng, units, special, path, dry, True)
    if first is None:
        return
    culprit, (o, why) = harness.bisect(units, lambda sub: run_tree(rng, sub, special, path, dry, False))
    files = {rel: data for u in culprit for rel, data in u.items()}
    where = harness.save(f"update-{seed}", files, o)
    shown = "\n".join(f"== {rel}\n{data[:800]!r}" for rel, data in files.items())
    raise AssertionError(f"update-{seed} (special={special}, path={path!r}, dry={dry}): {why}{where}\n{shown}\n"
                         f"{o.describe()}")


@pytest.mark.parametrize("old,new,ok", [
    (b'a: 1\nimage: x:1.0.0 # {"$imagepolicy": "ns:p"}\n', b'a: 1\nimage: x:2.0.0 # {"$imagepolicy": "ns:p"}\n', True),
    (b'a: 1\nimage: x:1.0.0 # {"$imagepolicy": "ns:p"}\n', b'a: 2\nimage: x:2.0.0 # {"$imagepolicy": "ns:p"}\n', False),
    (b'image: x:1.0.0 # {"$imagepolicy": "ns:p"}\n', b'image: x:2.0.0 # {"$imagepolicy": "ns:q"}\n', False),
    (b'image: x:1.0.0 # {"$imagepolicy": "ns:p"}\n', b'image: evil # {"$imagepolicy": "ns:p"}\n', False),
    (b'image: x:1.0.0 # {"$imagepolicy": "ns:p"}\n', b'image: x:2.0.0 # {"$imagepolicy": "ns:p"}\nb: 1\n', False),
    (b'# {"$imagepolicy": "ns:p"}\n- x:1.0.0\n', b'# {"$imagepolicy": "ns:p"}\n- x:2.0.0\n', True),
])
def test_integrity_oracle(old: bytes, new: bytes, ok: bool) -> None:
    """The oracle itself: it accepts a marked value's rewrite and rejects anything else."""
    assert (check_bytes(old, new) is None) == ok


def test_scope_oracle() -> None:
    o = harness.Outcome([], 0, "", "", 0.0, 0.0, 0)
    before = {"repo/apps/a.yaml": ("file", b"x"), "repo/other/b.yaml": ("file", b"y"), "outside/c.yaml": ("file", b"z")}
    assert judge(o, before, dict(before), False, "./apps", False) is None
    for rel in ("repo/other/b.yaml", "outside/c.yaml"):
        assert "outside update.path" in (judge(o, before, {**before, rel: ("file", b"changed")}, False, "./apps", False)
                                         or "")
    assert "--dry-run" in (judge(o, before, {**before, "repo/apps/a.yaml": ("file", b"w")}, True, "./apps", False) or "")
    assert "created" in (judge(o, before, {**before, "repo/apps/.tmp": ("file", b"")}, False, "./apps", False) or "")
