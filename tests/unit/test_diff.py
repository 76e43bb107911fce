"""`diff BASE`: real git repositories made here (git init, commits), then the work tree edited the way a
pull request would; each case states which winners and automation commits move, and why."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import ROOT, invoke

GOLDEN = ROOT / "tests" / "cases" / "diff"

GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
               GIT_COMMITTER_DATE="2026-01-01T00:00:00Z", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)

IMAGES = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata:
  name: podinfo
spec:
  image: ghcr.io/stefanprodan/podinfo
  interval: 5m
---
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata:
  name: podinfo
spec:
  imageRepositoryRef:
    name: podinfo
  filterTags:
    pattern: '^(?P<v>[0-9]+\\.[0-9]+\\.[0-9]+)$'
    extract: '$v'
  policy:
    semver:
      range: '>=6.0.0 <7.0.0'
"""

AUTOMATION = """\
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 30m
  sourceRef:
    kind: GitRepository
    name: flux-system
  git:
    commit:
      author: {email: bot@example.com, name: bot}
      messageTemplate: 'Update {{ range .Changed.Changes }}{{ .NewValue }} {{ end }}'
    push:
      branch: main
  update:
    path: ./apps
    strategy: Setters
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: apps
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/stefanprodan/podinfo:6.5.0{marker}
"""
MARKER = ' # {"$imagepolicy": "flux-system:podinfo"}'

TAGS = "ghcr.io/stefanprodan/podinfo: [6.5.0, 6.5.4, 6.6.2, 6.10.1, 7.0.0, latest]\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True,
                          text=True).stdout


def make_repo(tmp_path: Path) -> Path:
    """A GitOps repository committed on `main`: policies under a kustomization setting their namespace."""
    repo = tmp_path / "fleet"
    files = {
        "policies/kustomization.yaml": "namespace: flux-system\nresources: [images.yaml]\n",
        "policies/images.yaml": IMAGES,
        "flux-system/automation.yaml": AUTOMATION,
        "apps/podinfo.yaml": DEPLOYMENT.format(name="podinfo", marker=MARKER),
        "apps/other.yaml": DEPLOYMENT.format(name="other", marker=""),
        "tags.yaml": TAGS,
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def do(repo: Path) -> None:
        p = repo / rel
        text = p.read_text()
        assert old in text, (rel, old)
        p.write_text(text.replace(old, new, 1))
    return do


def write(rel: str, text: str) -> Callable[[Path], None]:
    def do(repo: Path) -> None:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    return do


def both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def do(repo: Path) -> None:
        for s in steps:
            s(repo)
    return do


CANARY = IMAGES.replace("name: podinfo", "name: canary").replace(">=6.0.0 <7.0.0", ">=7.0.0")

# name: (edit, {policy: (change, before tag, after tag, words in the reason)}, automation moved, automation words)
CASES: dict[str, tuple] = {
    "range": (edit("policies/images.yaml", "'>=6.0.0 <7.0.0'", "'>=6.0.0'"),
              {"flux-system/podinfo": ("changed", "6.10.1", "7.0.0",
                                       ['range ">=6.0.0 <7.0.0" -> ">=6.0.0"', "7.0.0 wins",
                                        "6.10.1 lost: lower than 7.0.0"])},
              True, ["apps/podinfo.yaml flux-system:podinfo: ghcr.io/stefanprodan/podinfo:6.10.1 -> "
                     "ghcr.io/stefanprodan/podinfo:7.0.0"]),
    "pattern": (edit("policies/images.yaml", "[0-9]+\\.[0-9]+\\.[0-9]+", "6\\.5\\.[0-9]+"),
                {"flux-system/podinfo": ("changed", "6.10.1", "6.5.4",
                                         ["pattern ", "6.5.4 wins", "6.10.1 lost: does not match pattern"])},
                True, ["6.10.1 -> ghcr.io/stefanprodan/podinfo:6.5.4"]),
    "exclusion-list": (edit("policies/images.yaml", "  interval: 5m\n", "  interval: 5m\n  exclusionList: ['^6\\.10']\n"),
                       {"flux-system/podinfo": ("changed", "6.10.1", "6.6.2",
                                                ['exclusionList (unset) -> ["^6\\\\.10"]', "6.10.1 lost: matches"])},
                       True, []),
    "policy-kind": (edit("policies/images.yaml", "semver:\n      range: '>=6.0.0 <7.0.0'", "alphabetical: {}"),
                    {"flux-system/podinfo": ("changed", "6.10.1", "7.0.0",
                                             ['policy "semver" -> "alphabetical"', 'range ">=6.0.0 <7.0.0" -> (unset)'])},
                    True, []),
    "image": (edit("policies/images.yaml", "image: ghcr.io/stefanprodan/podinfo", "image: ghcr.io/example/podinfo"),
              {"flux-system/podinfo": ("changed", "6.10.1", None,
                                       ['image "ghcr.io/stefanprodan/podinfo" -> "ghcr.io/example/podinfo"',
                                        "6.10.1 no longer wins: now fails (no-tags: no tags for ImageRepository"])},
              True, ["no longer changed"]),
    "policy-added": (write("policies/canary.yaml", CANARY),
                     {"flux-system/canary": ("added", None, "7.0.0", ["new policy; 7.0.0 wins"])}, False, []),
    "policy-deleted": (lambda repo: (repo / "policies/images.yaml").unlink(),
                       {"flux-system/podinfo": ("removed", "6.10.1", None, ["policy removed; 6.10.1 no longer selected"])},
                       True, ["no longer changed (was -> ghcr.io/stefanprodan/podinfo:6.10.1)"]),
    "marker-added": (edit("apps/other.yaml", "podinfo:6.5.0", "podinfo:6.5.0" + MARKER),
                     {}, True, ["apps/other.yaml flux-system:podinfo: new change -> ghcr.io/stefanprodan/podinfo:6.10.1"]),
    "marker-moved": (both(edit("apps/other.yaml", "podinfo:6.5.0", "podinfo:6.5.0" + MARKER),
                          edit("apps/podinfo.yaml", MARKER, "")),
                     {}, True, ["apps/other.yaml flux-system:podinfo: new change", "apps/podinfo.yaml flux-system:podinfo: "
                                                                                   "no longer changed"]),
    "update-path": (both(edit("flux-system/automation.yaml", "path: ./apps", "path: ./staging"),
                         write("staging/podinfo.yaml", DEPLOYMENT.format(name="staging", marker=MARKER))),
                    {}, True, ['update.path "./apps" -> "./staging"', "staging/podinfo.yaml flux-system:podinfo: new change"]),
    "namespace-moved": (edit("policies/kustomization.yaml", "namespace: flux-system", "namespace: apps"),
                        {"flux-system/podinfo": ("removed", "6.10.1", None, ["moved to namespace apps; markers naming flux-system:podinfo no longer resolve"]),
                         "apps/podinfo": ("added", None, "6.10.1", ["moved from namespace flux-system; still selects 6.10.1"])},
                        True, ["no longer changed"]),
    "line-shift-only": (edit("apps/podinfo.yaml", "  namespace: apps\n", "  namespace: apps\n  labels: {a: b}\n"),
                        {}, False, []),
    "nothing": (lambda repo: None, {}, False, []),
}


@pytest.mark.parametrize("name", list(CASES))
def test_case(tmp_path: Path, name: str) -> None:
    change, policies, automation_moved, automation_words = CASES[name]
    repo = make_repo(tmp_path)
    change(repo)
    status = git(repo, "status", "--porcelain", "--untracked-files=all")
    r = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", "json", cwd=str(repo))
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == status  # diff writes nothing
    assert r.code == (1 if policies or automation_moved else 0), r.out + r.err
    doc = r.json()
    got = {f"{p['namespace']}/{p['name']}": p for p in doc["policies"]}
    assert set(got) == set(policies), doc["policies"]
    for key, (kind, before, after, words) in policies.items():
        p = got[key]
        assert p["change"] == kind
        assert (p["before"] or {}).get("tag") == before and (p["after"] or {}).get("tag") == after, p
        for w in words:
            assert w in p["reason"], (w, p["reason"])
    autos = doc["automations"]
    assert [a["name"] for a in autos] == (["apps"] if automation_moved else []), autos
    for w in automation_words:
        assert w in autos[0]["reason"], (w, autos[0]["reason"])


def test_json_shape(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    CASES["range"][0](repo)
    doc = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", "json", "--all", cwd=str(repo)).json()
    assert set(doc) == {"base", "commit", "policies", "automations", "warnings"}
    assert doc["base"] == "main" and doc["commit"] == git(repo, "rev-parse", "main").strip()
    p = doc["policies"][0]
    assert set(p) == {"namespace", "name", "change", "before", "after", "reason", "fields"}
    assert p["before"] == {"tag": "6.10.1", "image": "ghcr.io/stefanprodan/podinfo:6.10.1", "digest": None}
    assert p["fields"] == [{"field": "range", "before": ">=6.0.0 <7.0.0", "after": ">=6.0.0"}]
    a = doc["automations"][0]
    assert set(a) == {"namespace", "name", "change", "before", "after", "message", "error", "reason", "fields"}
    assert set(a["before"][0]) == {"file", "repoFile", "line", "setter", "oldValue", "newValue", "object"}
    assert a["message"] == {"before": "Update ghcr.io/stefanprodan/podinfo:6.10.1 ",
                            "after": "Update ghcr.io/stefanprodan/podinfo:7.0.0 "}
    assert a["error"] == {"before": None, "after": None}


def test_all_lists_unchanged(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    r = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", "json", "--all", cwd=str(repo))
    assert r.code == 0
    doc = r.json()
    assert [(p["name"], p["change"], p["reason"]) for p in doc["policies"]] == [("podinfo", "unchanged", "")]
    assert [(a["name"], a["change"]) for a in doc["automations"]] == [("apps", "unchanged")]
    text = invoke("diff", "main", "--tags-file", "tags.yaml", cwd=str(repo))
    assert text.code == 0 and "no policy winner moved and no automation commit differs" in text.out
    md = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", "markdown", cwd=str(repo))
    assert md.code == 0 and "No policy winner moved" in md.out and "|" not in md.out and "<details>" not in md.out


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_golden(tmp_path: Path, fmt: str) -> None:
    repo = make_repo(tmp_path)
    both(CASES["range"][0], CASES["policy-added"][0])(repo)
    r = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", fmt, cwd=str(repo))
    assert r.code == 1
    out = r.out.replace(git(repo, "rev-parse", "main").strip()[:12], "<commit>")
    golden = GOLDEN / f"range-and-added.{'md' if fmt == 'markdown' else 'txt'}"
    if os.environ.get("IMAGEWATCH_UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text()


def test_markdown_escapes_untrusted_values(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    edit("policies/images.yaml", "[0-9]+\\.[0-9]+\\.[0-9]+)", "6\\.5\\.[0-9]+)(|<b>)")(repo)
    out = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", "markdown", cwd=str(repo)).out
    row = next(ln for ln in out.splitlines() if ln.startswith("| changed |"))
    assert "6.10.1 lost: does not match pattern" in row
    assert re.sub(r"\\\||`[^`]*`", "", row).count("|") == 6  # the regex's | does not split the row
    assert "<b>" not in re.sub(r"`[^`]*`", "", row).replace("\\<b>", "")  # no raw HTML outside code spans


@pytest.mark.parametrize("args, words", [
    (("diff", "no-such-branch"), "unknown revision 'no-such-branch'"),
    (("diff", "--", "-x"), "not a revision"),
    (("diff",), "Missing argument 'BASE'"),
])
def test_usage_errors(tmp_path: Path, args: tuple, words: str) -> None:
    repo = make_repo(tmp_path)
    r = invoke(*args, cwd=str(repo))
    assert r.code == 2 and words in r.err, r.err


def test_not_a_git_repository(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(IMAGES)
    r = invoke("diff", "main", "x.yaml", cwd=str(tmp_path))
    assert r.code == 2 and "not a git repository" in r.err


def test_path_outside_the_repository(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (tmp_path / "elsewhere.yaml").write_text(IMAGES)
    r = invoke("diff", "main", ".", str(tmp_path / "elsewhere.yaml"), cwd=str(repo))
    assert r.code == 2 and "outside the git repository" in r.err


def test_paths_limit_both_sides(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    CASES["range"][0](repo)
    write("new/images.yaml", CANARY)(repo)  # a directory the base does not have
    r = invoke("diff", "HEAD", "new", "--tags-file", "tags.yaml", "-o", "json", cwd=str(repo))
    assert [(p["name"], p["change"]) for p in r.json()["policies"]] == [("canary", "added")]


def test_tags_from_stdin_serve_both_sides(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    CASES["range"][0](repo)
    r = invoke("diff", "main", "--tags-file", "-", "-o", "json", cwd=str(repo), stdin=TAGS.encode())
    assert r.code == 1 and r.json()["policies"][0]["before"]["tag"] == "6.10.1"


def test_temp_directory_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    repo = make_repo(tmp_path)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert invoke("diff", "main", "--tags-file", "tags.yaml", cwd=str(repo)).code == 0
    assert invoke("diff", "main", "--tags-file", "missing.yaml", cwd=str(repo)).code == 2
    assert list(scratch.iterdir()) == []


def test_symlinks_never_lead_out(tmp_path: Path) -> None:
    """A committed link to a file outside the repository is not followed; one inside still works."""
    from kubectl_imagewatch.review import revision

    repo = make_repo(tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\n")
    os.symlink(str(secret), repo / "apps" / "out.yaml")
    os.symlink("../../" + secret.name, repo / "apps" / "up.yaml")
    os.symlink("podinfo.yaml", repo / "apps" / "in.yaml")
    os.symlink(".", repo / "apps" / "loop")
    os.symlink("loop/loop/podinfo.yaml", repo / "apps" / "via-dir-link.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links")
    with revision.materialise(str(repo), "HEAD") as tree:
        base = Path(tree.root)
        assert not (base / "apps" / "out.yaml").exists() and not (base / "apps" / "up.yaml").exists()
        assert os.readlink(base / "apps" / "in.yaml") == "podinfo.yaml"
        assert os.readlink(base / "apps" / "via-dir-link.yaml") == "podinfo.yaml"
        assert not (base / "apps" / "loop").exists()
        assert not (base / ".git").exists() and (base / "policies" / "images.yaml").is_file()
        assert not (base / "tags.yaml").exists()  # nothing the inventory keeps: screened out, not written
        assert {s.split(":")[0] for s in tree.skipped} == {"apps/out.yaml", "apps/up.yaml"}
    assert not base.exists()


def test_revision_size_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubectl_imagewatch.review import revision

    repo = make_repo(tmp_path)
    monkeypatch.setattr(revision, "MAX_FILES", 3)
    r = invoke("diff", "main", "--tags-file", "tags.yaml", cwd=str(repo))
    assert r.code == 2 and "over the limit of 3" in r.err
    monkeypatch.setattr(revision, "MAX_FILES", 100)
    monkeypatch.setattr(revision, "MAX_BYTES", 100)
    r = invoke("diff", "main", "--tags-file", "tags.yaml", cwd=str(repo))
    assert r.code == 2 and "MiB of YAML" in r.err


def test_one_scan_for_both_sides() -> None:
    """Without a tags file each registry is asked once, whichever side asks first."""
    from types import SimpleNamespace

    from kubectl_imagewatch.reflector.simulate import TagProvider
    from kubectl_imagewatch.review.tags import _Cached, SharedTags

    calls: list[str] = []

    class Registry(TagProvider):
        def prefetch(self, repos: list) -> None:
            calls.extend(f"prefetch {r.name}" for r in repos)

        def tags(self, repo):  # type: ignore[no-untyped-def]
            calls.append(f"tags {repo.name}")
            return {"1.0.0": None}, None

    shared = SharedTags(None)
    same = SimpleNamespace(name="a", namespace="ns", spec={"image": "x/a", "interval": "1m"})
    moved = SimpleNamespace(name="b", namespace="ns", spec={"image": "x/b"})
    for spec_change in ({}, {"interval": "5m", "exclusionList": ["^x"]}):
        side = _Cached(shared, Registry())
        repos = [SimpleNamespace(name="a", namespace="ns", spec={**same.spec, **spec_change}), moved]
        side.prefetch(repos)
        assert [side.tags(r) for r in repos] == [({"1.0.0": None}, None)] * 2
    assert calls == ["prefetch a", "prefetch b", "tags a", "tags b"]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_no_terminal_escapes_reach_the_output(tmp_path: Path, fmt: str) -> None:
    repo = make_repo(tmp_path)
    edit("flux-system/automation.yaml", "messageTemplate: 'Update ", 'messageTemplate: "\\e[2J\\rUpdate ')(repo)
    edit("flux-system/automation.yaml", "{{ end }}'", '{{ end }}"')(repo)
    r = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", fmt, cwd=str(repo))
    assert r.code == 1 and "\\x1b[2J" in r.out
    assert "\x1b" not in r.out and "\r" not in r.out


def test_markdown_stays_within_a_step_summary(tmp_path: Path) -> None:
    """Hundreds of moved policies: the tables are capped, the output stays far below GitHub's 1 MiB."""
    repo = make_repo(tmp_path)
    many = "".join("---\n" + IMAGES.replace("name: podinfo", f"name: p{i}") for i in range(300))
    (repo / "policies" / "many.yaml").write_text(many)
    r = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", "markdown", cwd=str(repo))
    assert r.code == 1 and "| | … 50 more (`-o json` lists every one) | | | |" in r.out
    assert len(r.out.encode()) < 200_000


def test_crafted_tree_names_stay_inside(tmp_path: Path) -> None:
    """git mktree accepts `..` and `.git` entries: a hostile base revision cannot write outside the directory."""
    from kubectl_imagewatch.review import revision

    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    blob = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo, input=IMAGES, text=True,
                          capture_output=True, check=True).stdout.strip()

    def mktree(entries: str) -> str:
        return subprocess.run(["git", "mktree"], cwd=repo, input=entries, text=True, capture_output=True,
                              check=True).stdout.strip()

    inner = mktree(f"100644 blob {blob}\tevil.yaml\n")
    top = mktree(f"040000 tree {inner}\t..\n040000 tree {inner}\t.GIT\n100644 blob {blob}\t..\n"
                 f"100644 blob {blob}\tok.yaml\n")
    commit = subprocess.run(["git", "commit-tree", top, "-m", "crafted"], cwd=repo, env=GIT_ENV, text=True,
                            capture_output=True, check=True).stdout.strip()
    with revision.materialise(str(repo), commit) as tree:
        base = Path(tree.root)
        assert sorted(p.name for p in base.rglob("*")) == ["ok.yaml"]
        assert len([s for s in tree.skipped if "unsafe path name" in s]) == 5  # .., .GIT (trees), their files, the .. blob
        assert not (base.parent / "evil.yaml").exists()


def test_tree_listing_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubectl_imagewatch.review import revision

    repo = make_repo(tmp_path)
    monkeypatch.setattr(revision, "MAX_ENTRIES", 2)
    r = invoke("diff", "main", "--tags-file", "tags.yaml", cwd=str(repo))
    assert r.code == 2 and "lists over 2 entries" in r.err


def test_update_path_with_only_plain_files_at_base(tmp_path: Path) -> None:
    """Files nothing reads are not written on the base side, but their directory still exists there:
    an update.path holding only those is not 'missing' at BASE."""
    repo = make_repo(tmp_path)
    write("staging/plain.yaml", DEPLOYMENT.format(name="plain", marker=""))(repo)
    edit("flux-system/automation.yaml", "path: ./apps", "path: ./staging")(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "staging")
    edit("staging/plain.yaml", "podinfo:6.5.0", "podinfo:6.5.0" + MARKER)(repo)
    r = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", "json", cwd=str(repo))
    a = r.json()["automations"][0]
    assert r.code == 1 and a["error"] == {"before": None, "after": None}, a
    assert (a["before"], len(a["after"])) == ([], 1)


def test_base_side_errors_name_the_revision(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    edit("flux-system/automation.yaml", "path: ./apps", "path: ./nowhere")(repo)
    git(repo, "commit", "-qam", "broken")
    edit("flux-system/automation.yaml", "path: ./nowhere", "path: ./apps")(repo)
    r = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", "json", cwd=str(repo))
    a = r.json()["automations"][0]
    assert r.code == 1 and a["error"]["after"] is None and "<main>" in a["error"]["before"], a["error"]
    assert "imagewatch-base-" not in r.out


def test_a_new_random_tie_is_said(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "tags.yaml").write_text("ghcr.io/stefanprodan/podinfo: [6.5.0, 6.10.1, 7.0.0, 7.0.0+a]\n")
    git(repo, "commit", "-qam", "tags")
    edit("policies/images.yaml", "[0-9]+)$'", "[0-9]+(\\+[a-z]+)?)$'")(repo)  # build metadata: equal versions
    edit("policies/images.yaml", "'>=6.0.0 <7.0.0'", "'>=6.0.0'")(repo)
    r = invoke("diff", "main", "--tags-file", "tags.yaml", "-o", "json", cwd=str(repo))
    p = r.json()["policies"][0]
    assert p["reason"].endswith("6.10.1 lost: lower than 7.0.0+a (tied with 7.0.0: Flux picks one at random)") or \
        p["reason"].endswith("6.10.1 lost: lower than 7.0.0 (tied with 7.0.0+a: Flux picks one at random)"), p["reason"]
