"""Two simulate results side by side: which winners moved, why, and which automation commits differ.

Pure data in, data out: the sides are `api.SimulateResult`s computed over the same tags, so a
winner can only move because an input moved — a field of the policy or of its ImageRepository,
the repository it points at, or the object's namespace. Those fields are named in the reason
together with the tag that won and why the old winner lost (its verdict on the new side).
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any, Optional

from kubectl_imagewatch.reflector.simulate import PolicyResult

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"


@dataclasses.dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any

    def as_dict(self) -> dict:
        return {"field": self.field, "before": self.before, "after": self.after}

    def __str__(self) -> str:
        return f"{self.field} {show(self.before)} -> {show(self.after)}"


@dataclasses.dataclass
class PolicyDiff:
    namespace: str
    name: str
    change: str                   # added | removed | changed | unchanged
    before: Optional[dict]        # {"tag", "image", "digest"}; None: absent or no tag selected
    after: Optional[dict]
    reason: str
    fields: list[FieldChange] = dataclasses.field(default_factory=list)
    story: str = ""               # the reason after the fields: which tag won, why the old one lost

    @property
    def moved(self) -> bool:
        return self.change != UNCHANGED

    def as_dict(self) -> dict:
        return {"namespace": self.namespace, "name": self.name, "change": self.change, "before": self.before,
                "after": self.after, "reason": self.reason, "fields": [f.as_dict() for f in self.fields]}


@dataclasses.dataclass
class AutomationDiff:
    namespace: str
    name: str
    change: str                   # added | removed | changed | unchanged (by its commit, see `moved`)
    before: list[dict]            # the changes it would commit (docs/output.md, without "automation")
    after: list[dict]
    message: dict                 # {"before": str | None, "after": str | None}
    error: dict                   # {"before": str | None, "after": str | None}
    reason: str
    fields: list[FieldChange] = dataclasses.field(default_factory=list)

    @property
    def moved(self) -> bool:
        """The commit it would make differs (values, files, objects, message or failure)."""
        return _commit_key(self.before) != _commit_key(self.after) or self.message["before"] != self.message["after"] \
            or self.error["before"] != self.error["after"]

    def as_dict(self) -> dict:
        return {"namespace": self.namespace, "name": self.name, "change": self.change, "before": self.before,
                "after": self.after, "message": self.message, "error": self.error, "reason": self.reason,
                "fields": [f.as_dict() for f in self.fields]}


def show(v: Any) -> str:
    """A field value as it reads in a reason: JSON (quoted strings), or (unset)."""
    return "(unset)" if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d


def policy_fields(r: PolicyResult) -> dict[str, Any]:
    """The inputs of one selection, by the names the reasons use (Flux's field names)."""
    spec = r.policy.spec
    choice = spec.get("policy")
    choice = choice if isinstance(choice, dict) else {}
    kinds = sorted(k for k in choice if k in ("semver", "alphabetical", "numerical"))
    ref = spec.get("imageRepositoryRef")
    ref_ns = _get(ref, "namespace") or r.policy.namespace
    repo = r.repository.spec if r.repository is not None else {}
    return {
        "policy": ",".join(kinds) or None,
        "range": _get(choice, "semver", "range"),
        "order": _get(choice, "alphabetical", "order") or _get(choice, "numerical", "order"),
        "pattern": _get(spec, "filterTags", "pattern"),
        "extract": _get(spec, "filterTags", "extract"),
        "digestReflectionPolicy": spec.get("digestReflectionPolicy"),
        "imageRepositoryRef": f"{ref_ns}/{_get(ref, 'name')}" if isinstance(ref, dict) else None,
        "image": repo.get("image"),
        "exclusionList": repo.get("exclusionList"),
    }


def _winner(r: Optional[PolicyResult]) -> Optional[dict]:
    if r is None or not r.ok:
        return None
    return {"tag": r.selection.tag, "image": f"{r.image}:{r.selection.tag}", "digest": r.digest}


def _failure(r: PolicyResult) -> str:
    e = r.selection.error
    return f"{e.reason}: {e.message}" if e else "no tag selected"


def _why_lost(tag: str, r: PolicyResult) -> str:
    for t in r.selection.tags:
        if t.tag == tag:
            return f"{tag} lost: {t.detail or t.verdict}"
    return f"{tag} is not a tag of {r.image or 'the new repository'}"


def _tags_story(b: PolicyResult, a: PolicyResult) -> str:
    wb, wa = _winner(b), _winner(a)
    if wb and wa:
        if wb["tag"] == wa["tag"] and wb["image"] != wa["image"]:
            return f"{wa['tag']} now from {a.image} (was {b.image})"
        if wb["tag"] == wa["tag"]:
            return f"digest {wb['digest'] or '(none)'} -> {wa['digest'] or '(none)'}" if wb != wa else \
                f"{wa['tag']} still wins"
        return f"{wa['tag']} wins; {_why_lost(wb['tag'], a)}"
    if wb:
        return f"{wb['tag']} no longer wins: now fails ({_failure(a)})"
    if wa:
        return f"{wa['tag']} wins; was failing ({_failure(b)})"
    return f"still fails ({_failure(a)})"


def _tie(r: PolicyResult) -> str:
    others = [t for t in r.selection.tied if t != r.selection.tag]
    return f" (tied with {', '.join(others[:3])}: Flux picks one at random)" if r.ok and others else ""


def _policy(key: tuple[str, str], b: Optional[PolicyResult], a: Optional[PolicyResult],
            twin: Optional[PolicyResult] = None) -> PolicyDiff:
    """`twin`: the same-named policy on the other side in another namespace (a namespace move)."""
    ns, name = key
    wb, wa = _winner(b), _winner(a)
    if b is None:
        assert a is not None
        story = f"{wa['tag']} wins" if wa else f"fails ({_failure(a)})"
        if twin is not None and _winner(twin) == wa:
            story = f"still selects {wa['tag']}" if wa else story
        head = f"moved from namespace {twin.policy.namespace}" if twin is not None else "new policy"
        return PolicyDiff(ns, name, ADDED, None, wa, f"{head}; {story}", story=story)
    if a is None:
        story = f"{wb['tag']} no longer selected" if wb else "was failing"
        if twin is not None:  # markers naming the old namespace no longer resolve: the automation shows it
            story = f"markers naming {ns}:{name} no longer resolve"
        head = f"moved to namespace {twin.policy.namespace}" if twin is not None else "policy removed"
        return PolicyDiff(ns, name, REMOVED, wb, None, f"{head}; {story}", story=story)
    fb, fa = policy_fields(b), policy_fields(a)
    fields = [FieldChange(k, fb[k], fa[k]) for k in fb if fb[k] != fa[k]]
    if b.repository is not None and a.repository is not None and b.repository.ref != a.repository.ref \
            and not any(f.field == "imageRepositoryRef" for f in fields):
        fields.append(FieldChange("imageRepositoryRef", b.repository.ref, a.repository.ref))
    change = UNCHANGED if wb == wa else CHANGED
    story = _tags_story(b, a)
    story += _tie(a) if "at random" not in story else ""
    if fields:
        reason = "; ".join([str(f) for f in fields] + [story])
    elif change == CHANGED:
        reason = f"no policy or repository field changed; {story}"
    else:
        reason = "" if wb else story  # unchanged: quiet unless it fails on both sides
    return PolicyDiff(ns, name, change, wb, wa, reason, fields, story)


def compare_policies(before: list[PolicyResult], after: list[PolicyResult]) -> list[PolicyDiff]:
    """One entry per policy on either side, sorted by namespace/name."""
    b = {(r.policy.namespace, r.policy.name): r for r in before}
    a = {(r.policy.namespace, r.policy.name): r for r in after}
    gone = {k for k in b if k not in a}
    new = {k for k in a if k not in b}
    twins: dict[tuple[str, str], PolicyResult] = {}
    for name in {k[1] for k in gone} & {k[1] for k in new}:
        olds, news = [k for k in gone if k[1] == name], [k for k in new if k[1] == name]
        if len(olds) == 1 and len(news) == 1:  # one policy of that name left a namespace, one arrived
            twins[olds[0]], twins[news[0]] = a[news[0]], b[olds[0]]
    return [_policy(k, b.get(k), a.get(k), twins.get(k)) for k in sorted(set(b) | set(a))]


_AUTOMATION_FIELDS = (("update.path", ("update", "path")), ("update.strategy", ("update", "strategy")),
                      ("policySelector", ("policySelector",)), ("suspend", ("suspend",)),
                      ("messageTemplate", ("git", "commit", "messageTemplate")),
                      ("messageTemplateValues", ("git", "commit", "messageTemplateValues")),
                      ("sourceRef", ("sourceRef",)), ("push", ("git", "push")), ("checkout", ("git", "checkout")))


def _commit_key(changes: list[dict]) -> list[tuple]:
    """What a commit holds, not where the lines sit (an edit above a marker moves its line only)."""
    return sorted((str(c.get("repoFile")), show(c.get("object")), str(c.get("setter")), str(c.get("newValue")))
                  for c in changes)


def automation_sides(result: Any) -> dict[tuple[str, str], dict]:
    """(namespace, name) -> {"spec", "changes", "message", "error"} from an api.SimulateResult."""
    up = getattr(result, "update", None)
    out: dict[tuple[str, str], dict] = {}
    if up is None:
        return out
    changes = up.changes_json()
    commits = {c["automation"]: c for c in up.commits_json()}
    for ap in up.automations:
        ref = ap.automation.ref
        mine = [{k: v for k, v in c.items() if k != "automation"} for c in changes if c["automation"] == ref]
        commit = commits.get(ref) or {}
        out[(ap.automation.namespace, ap.automation.name)] = {
            "spec": ap.automation.spec, "changes": mine, "message": commit.get("message") if mine else None,
            "error": commit.get("error")}
    return out


def compare_automations(before: Any, after: Any) -> list[AutomationDiff]:
    b, a = automation_sides(before), automation_sides(after)
    out = []
    for key in sorted(set(b) | set(a)):
        sb, sa = b.get(key), a.get(key)
        empty: dict = {"spec": {}, "changes": [], "message": None, "error": None}
        fields = [FieldChange(label, _get((sb or empty)["spec"], *path), _get((sa or empty)["spec"], *path))
                  for label, path in _AUTOMATION_FIELDS] if sb and sa else []
        fields = [f for f in fields if f.before != f.after]
        d = AutomationDiff(key[0], key[1], ADDED if sb is None else REMOVED if sa is None else CHANGED,
                           (sb or empty)["changes"], (sa or empty)["changes"],
                           {"before": (sb or empty)["message"], "after": (sa or empty)["message"]},
                           {"before": (sb or empty)["error"], "after": (sa or empty)["error"]}, "", fields)
        if d.change == CHANGED and not d.moved:
            d.change = UNCHANGED
        d.reason = _automation_reason(d)
        out.append(d)
    return out


def _values_story(d: AutomationDiff, limit: int = 3) -> list[str]:
    """The values the commit would write differently, matched by file, object and marker."""
    def by_marker(changes: list[dict]) -> dict[tuple, str]:
        return {(str(c.get("repoFile")), show(c.get("object")), str(c.get("setter"))): str(c.get("newValue"))
                for c in changes}

    b, a = by_marker(d.before), by_marker(d.after)
    out = []
    for k in sorted(set(b) | set(a)):
        if k in b and k in a and b[k] != a[k]:
            out.append(f"{k[0]} {k[2]}: {b[k]} -> {a[k]}")
        elif k in a and k not in b:
            out.append(f"{k[0]} {k[2]}: new change -> {a[k]}")
        elif k in b and k not in a:
            out.append(f"{k[0]} {k[2]}: no longer changed (was -> {b[k]})")
    return out[:limit] + ([f"{len(out) - limit} more"] if len(out) > limit else [])


def _automation_reason(d: AutomationDiff) -> str:
    parts = [str(f) for f in d.fields] + _values_story(d)
    if d.message["before"] != d.message["after"] and d.before and d.after and \
            _commit_key(d.before) == _commit_key(d.after):
        parts.append("commit message differs")
    if d.error["before"] != d.error["after"]:
        parts.append(f"now fails: {d.error['after']}" if d.error["after"] else f"no longer fails ({d.error['before']})")
    if d.change == ADDED:
        parts.insert(0, "new automation")
    elif d.change == REMOVED:
        parts.insert(0, "automation removed")
    return "; ".join(parts)
