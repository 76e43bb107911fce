"""simulate output: a header per policy with the winner, then every tag's verdict."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kubectl_imagewatch.flux import imageref
from kubectl_imagewatch.reflector.policy import TagVerdict
from kubectl_imagewatch.reflector.simulate import PolicyResult

if TYPE_CHECKING:
    from kubectl_imagewatch.api import SimulateResult

_C = {"selected": "\033[32m", "excluded": "\033[90m", "filtered": "\033[90m", "unparsable": "\033[33m",
      "out-of-range": "\033[33m", "lower": "", "candidate": ""}
SHOW = 12
MAX_PAD = 48  # tags longer than this are not padded (the column would be mostly blanks)


def safe(s: object) -> str:
    """Text from tags, registries and manifests as it may reach a terminal: characters that are not
    printable (newlines, escape sequences, lone surrogates) shown as Python escapes, so a value can
    neither break a line nor drive the terminal."""
    t = str(s)
    if t.isprintable():
        return t
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for c in t)


def _clip(s: str) -> str:
    """A long extracted value, abbreviated (a line per tag must not repeat 100 KB values)."""
    return s if len(s) <= 80 else f"{s[:60]}... ({len(s):,} characters)"


_GROUPS = {"selected": 0, "lower": 1, "out-of-range": 2, "unparsable": 3, "candidate": 4, "filtered": 5, "excluded": 6}


def _policy_kind(r: PolicyResult) -> tuple[str, str]:
    pol = r.policy.spec.get("policy")
    for kind in ("semver", "alphabetical", "numerical"):
        arg = pol.get(kind) if isinstance(pol, dict) else None
        if arg is not None:
            order = arg.get("order") if isinstance(arg, dict) else None
            return kind, str(order or "ASC").upper()
    return "", ""


def ordered(r: PolicyResult) -> list[TagVerdict]:
    """The winner first, then the runner-up and the other losers in the policy's own order, then the
    other verdicts (out-of-range, unparsable, filtered, excluded), newest first within each."""
    from kubectl_imagewatch.reflector.policy import numerical, versions

    kind, order = _policy_kind(r)
    tags = sorted(r.selection.tags, key=lambda t: t.tag, reverse=True)  # bytes: the last tie-break

    def value(t: TagVerdict) -> str:
        return t.extracted if t.extracted is not None else t.tag

    def version_key(t: TagVerdict) -> tuple:
        v = versions.parse_tag(value(t))
        return (1, v.key) if v is not None else (0,)

    tags.sort(key=version_key, reverse=True)  # newest first, where a tag reads as a version
    if kind == "numerical":
        def num(t: TagVerdict) -> float:
            f = numerical.parse_float(value(t)) if t.verdict in ("selected", "lower") else None
            return float("-inf") if f is None or f != f else (f if order == "ASC" else -f)
        tags.sort(key=num, reverse=True)
    elif kind == "alphabetical":
        lower = [t for t in tags if t.verdict in ("selected", "lower")]
        lower.sort(key=value, reverse=order == "ASC")
        tags = lower + [t for t in tags if t.verdict not in ("selected", "lower")]
    tags.sort(key=lambda t: _GROUPS.get(t.verdict, 9))
    return tags


def in_cluster(r: PolicyResult) -> str | None:
    """The reference Flux has selected now (status.latestRef, or v1beta2's latestImage) for an object
    read from a cluster; "" when it has selected none yet; None for objects read from files."""
    if not r.policy.doc.path.startswith("cluster:"):
        return None
    st = r.policy.data.get("status")
    st = st if isinstance(st, dict) else {}
    ref = st.get("latestRef")
    if isinstance(ref, dict) and isinstance(ref.get("name"), str) and isinstance(ref.get("tag"), str):
        digest = ref.get("digest")
        return imageref.reference(ref["name"], ref["tag"], digest if isinstance(digest, str) and digest else None)
    latest = st.get("latestImage")
    return latest if isinstance(latest, str) else ""


def why_failed(r: PolicyResult) -> str:
    """One sentence in plain words on why a policy selected nothing (Flux's own message follows)."""
    from kubectl_imagewatch.reflector.policy import constraints

    s = r.selection
    assert s.error is not None
    counts: dict[str, int] = {}
    for t in s.tags:
        counts[t.verdict] = counts.get(t.verdict, 0) + 1
    n = len(s.tags)
    reason = s.error.reason
    kind, _ = _policy_kind(r)
    if reason == "no-tags":
        if n and counts.get("excluded") == n:
            return f"the exclusionList excludes all {n} tags"
        if s.error.message.startswith("scan failed"):
            return "its registry could not be scanned"
        if s.error.message.startswith("no tags for ImageRepository"):
            return "the tags file has no entry for its ImageRepository"
        if not n and not s.error.message.startswith("no tags in database"):
            return "no tags could be read for its ImageRepository"
        return "there are no tags to choose from (the ImageRepository lists none)"
    if reason == "invalid-range":
        return "the semver range does not parse, so Flux cannot use the policy"
    if reason == "invalid-pattern":
        return "a regular expression does not compile under Go's RE2 rules"
    if reason == "invalid-policy":
        return "the policy is not one Flux can build (exactly one of semver, alphabetical, numerical)"
    if reason == "invalid-numeric":
        bad = next((t.tag for t in s.tags if t.verdict == "unparsable"), "")
        return f"a tag that passed the filter is not a number ({_clip(bad)!r}); one such tag fails a numerical policy"
    if reason == "digest-failed":
        return "a tag was selected, but the registry did not give its digest"
    if reason == "no-match":
        passed = n - counts.get("filtered", 0) - counts.get("excluded", 0)
        if passed <= 0:
            return (f"no tag matches filterTags.pattern ({counts.get('filtered', 0)} filtered, "
                    f"{counts.get('excluded', 0)} excluded)")
        if kind == "semver":
            pol = r.policy.spec.get("policy") or {}
            rng = str((pol.get("semver") or {}).get("range", "")) if isinstance(pol, dict) else ""
            try:
                empty = constraints.empty(constraints.parse(rng))
            except constraints.ConstraintError:
                empty = None
            if empty:
                return f"the range {rng!r} can match no version: {empty}"
            unparsable, versions = counts.get("unparsable", 0), counts.get("out-of-range", 0)
            if not versions:
                return f"none of the {passed} tags that passed the filter is a version Flux can parse"
            return (f"none of the {versions} version tags is inside the range {rng!r}"
                    + (f" ({unparsable} other tags are not versions)" if unparsable else ""))
    return "no tag could be selected"


def render_text(results: list[PolicyResult], show_all: bool = False, color: bool = False) -> str:
    out: list[str] = []
    for r in results:
        s = r.selection
        head = f"ImagePolicy {safe(r.policy.ref)}"
        if r.repository is not None:
            head += f" (ImageRepository {safe(r.repository.ref)}, {safe(r.image)})"
        out.append(head)
        now = in_cluster(r)
        if r.ok:
            win = safe(imageref.reference(r.image, s.tag or "", r.digest))
            out.append(f"  latest: {(chr(27) + '[1;32m') if color else ''}{win}{(chr(27) + '[0m') if color else ''}"
                       f"  ({s.kind})")
        else:
            assert s.error is not None
            out.append(f"  FAILED: {safe(why_failed(r))}")
            flux = s.error.reason != "no-tags" or s.error.message.startswith("no tags in database")
            out.append(f"  {'Flux says' if flux else 'detail'} ({s.error.reason}): {safe(s.error.message)}")
        if now is not None:
            same = r.ok and now == imageref.reference(r.image, s.tag or "", r.digest)
            out.append(f"  in cluster: {safe(now) or '(none selected yet)'}"
                       + ("  (the same)" if same else "  (Flux has selected this now; the simulation differs)"
                          if r.ok and now else ""))
        for w in s.warnings:
            out.append(f"  warning: {safe(w)}")
        if not s.tags:
            out.append("")
            continue
        tags = ordered(r)
        runner_up = next((t for t in tags if t.verdict == "lower"), None)
        hidden = 0
        if not show_all and len(tags) > SHOW:
            tied = set(s.tied)
            keep = [t for t in tags if t.verdict == "selected" or t.tag in tied]
            rest = [t for t in tags if t.verdict != "selected" and t.tag not in tied]
            room = max(SHOW - len(keep), 0)
            keep += rest[:room]
            hidden = len(tags) - len(keep)
            tags = keep
        names = [safe(t.tag) for t in tags]
        width = min(max(len(n) for n in names), MAX_PAD)
        ew = min(max([len(t.extracted or "") for t in tags] + [0]), MAX_PAD)
        out.append(f"  {'TAG'.ljust(width)}  " + (f"{'EXTRACTED'.ljust(max(ew, 9))}  " if ew else "") + "VERDICT       WHY")
        for t, name in zip(tags, names):
            verdict = t.verdict.ljust(12)
            if color and _C.get(t.verdict):
                verdict = f"{_C[t.verdict]}{verdict}\033[0m"
            ext = f"{_clip(safe(t.extracted or '')).ljust(max(ew, 9))}  " if ew else ""
            detail = safe(t.detail) + (" (runner-up)" if t is runner_up else "")
            out.append(f"  {name.ljust(width)}  {ext}{verdict}  {detail}")
        if hidden:
            counts: dict[str, int] = {}
            shown = {t.tag for t in tags}
            for t in s.tags:
                if t.tag not in shown:
                    counts[t.verdict] = counts.get(t.verdict, 0) + 1
            out.append(f"  ... {hidden} more ({', '.join(f'{n} {v}' for v, n in sorted(counts.items()))}); --all shows every tag")
        out.append("")
    ok = sum(1 for r in results if r.ok)
    out.append(f"{len(results)} policies: {ok} selected a tag, {len(results) - ok} failed")
    return "\n".join(out) + "\n"


def _with_cluster(r: PolicyResult) -> dict:
    d = r.as_dict()
    now = in_cluster(r)
    if now is not None:
        d["inCluster"] = {"image": now or None}
    return d


def render_json(result: "SimulateResult") -> str:
    """{"policies": [...]} plus, when an automation covers them, the update it causes."""
    doc: dict = {"policies": [_with_cluster(r) for r in result.policies]}
    if result.update is not None:
        doc.update({"changes": result.update.changes_json(), "commits": result.update.commits_json(),
                    "warnings": result.update.warnings})
    return json.dumps(doc, indent=2) + "\n"
