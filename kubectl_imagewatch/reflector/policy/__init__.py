"""Tag selection exactly as image-reflector-controller >= v1.0 (Flux 2.7+) does it, explained.

The pipeline, top to bottom (internal/controller + internal/policy in Flux):
  1. drop tags an `exclusionList` pattern matches (default `^.*\\.sig$`, also for `[]`);
  2. sort the rest descending by byte order — the order every policy sees;
  3. build the policer (semver > alphabetical > numerical; bad range/order -> invalid policy);
  4. no tags left -> "no tags in database";
  5. with `filterTags` (even `{}`): RE2 match anywhere, `extract` via Go ExpandString, a map from
     extracted value to the smallest original tag; the policer then sees the map's keys in a
     random order (Go map), so equal candidates tie at random;
  6. the policer picks; the winner maps back to its original tag.
Every tag gets a verdict saying where it dropped out, and random ties are reported.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Optional

from kubectl_imagewatch.golang import regexp as goregex
from kubectl_imagewatch.reflector.policy import constraints, numerical, versions

DEFAULT_EXCLUSION = ["^.*\\.sig$"]

# verdicts
SELECTED, EXCLUDED, FILTERED, UNPARSABLE, OUT_OF_RANGE, LOWER, CANDIDATE = (
    "selected", "excluded", "filtered", "unparsable", "out-of-range", "lower", "candidate")

# error reasons (JSON contract)
NO_TAGS, NO_MATCH, INVALID_RANGE, INVALID_PATTERN, INVALID_NUMERIC, INVALID_POLICY = (
    "no-tags", "no-match", "invalid-range", "invalid-pattern", "invalid-numeric", "invalid-policy")


class TagVerdict:
    """One tag's fate; a plain slotted class because simulate makes one per tag (100k+)."""

    __slots__ = ("tag", "extracted", "verdict", "detail")

    def __init__(self, tag: str, extracted: Optional[str], verdict: str, detail: str = "") -> None:
        self.tag, self.extracted, self.verdict, self.detail = tag, extracted, verdict, detail

    def __repr__(self) -> str:
        return f"TagVerdict({self.tag!r}, {self.verdict!r})"

    def as_dict(self) -> dict:
        return {"tag": self.tag, "extracted": self.extracted, "verdict": self.verdict, "detail": self.detail}


@dataclasses.dataclass
class PolicyError:
    reason: str
    message: str

    def as_dict(self) -> dict:
        return {"reason": self.reason, "message": self.message}


@dataclasses.dataclass
class Selection:
    tag: Optional[str] = None
    error: Optional[PolicyError] = None
    tied: list[str] = dataclasses.field(default_factory=list)
    tags: list[TagVerdict] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    kind: str = ""  # semver | alphabetical | numerical


class _Invalid(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _short(tag: str) -> str:
    """A tag as a verdict's detail names it: long ones abbreviated, so that details (one per tag)
    stay O(input) in memory and output however long the winner is; the winner is shown in full."""
    return tag if len(tag) <= 80 else f"{tag[:60]}... ({len(tag):,} characters)"


def _tag_of(v: TagVerdict) -> str:
    return v.tag


def choice(spec: dict) -> tuple[str, Any]:
    """(kind, argument) of the policer Flux builds; raises _Invalid like the factory does."""
    pol = spec.get("policy") or {}
    if not isinstance(pol, dict):
        raise _Invalid(INVALID_POLICY, "invalid policy: given ImagePolicyChoice object is invalid")
    if pol.get("semver") is not None:
        rng = (pol["semver"] or {}).get("range", "") if isinstance(pol["semver"], dict) else ""
        try:
            return "semver", constraints.parse(str(rng))
        except constraints.ConstraintError as e:
            raise _Invalid(INVALID_RANGE, f"invalid policy: {e}") from None
    for kind in ("alphabetical", "numerical"):
        if pol.get(kind) is not None:
            order = str((pol[kind] or {}).get("order", "") if isinstance(pol[kind], dict) else "").upper()
            if order == "":
                order = "ASC"
            if order not in ("ASC", "DESC"):
                raise _Invalid(INVALID_POLICY, f"invalid policy: invalid order argument provided: '{order}', "
                               "must be one of: ASC, DESC")
            return kind, order
    raise _Invalid(INVALID_POLICY, "invalid policy: given ImagePolicyChoice object is invalid")


def exclude(tags: list[str], exclusion_list: Optional[list[str]]) -> tuple[list[str], dict[str, str]]:
    """Tags kept (sorted descending) and tag -> excluding pattern. Raises goregex.PatternError."""
    for i, p in enumerate(exclusion_list or ()):
        if not isinstance(p, str):  # the CRD's []string; a manifest may hold anything
            raise goregex.PatternError(f"item {i + 1} is not a string")
    patterns = [goregex.compile(p) for p in (exclusion_list or DEFAULT_EXCLUSION)]
    kept, dropped = [], {}
    default = patterns[0] if (exclusion_list or DEFAULT_EXCLUSION) == DEFAULT_EXCLUSION else None
    for t in tags:
        if default is not None:  # `^.*\.sig$` without the per-call RE2 cost: same answer
            hit = default if (t.endswith(".sig") and "\n" not in t) else None
        else:
            hit = next((p for p in patterns if p.matches(t)), None)
        if hit is None:
            kept.append(t)
        else:
            dropped[t] = hit.pattern
    kept.sort(reverse=True)
    return kept, dropped


def select(spec: dict, tags: Iterable[str], exclusion_list: Optional[list[str]] = None) -> Selection:
    """Run Flux's selection for an ImagePolicy spec over a repository's scanned tags."""
    sel = Selection()
    tags = list(dict.fromkeys(tags))  # a registry lists each tag once; a tag -> digest map gives its keys
    try:
        kept, dropped = exclude(tags, exclusion_list)
    except goregex.PatternError as e:
        sel.error = PolicyError(INVALID_PATTERN, f"ImageRepository exclusionList: failed to compile regex: {e}")
        sel.tags = [TagVerdict(t, None, CANDIDATE) for t in sorted(tags, reverse=True)]
        return sel
    verdicts: dict[str, TagVerdict] = {}
    for t, pat in dropped.items():
        verdicts[t] = TagVerdict(t, None, EXCLUDED, f"matches exclusionList pattern {pat}")
    try:
        kind, arg = choice(spec)
        sel.kind = kind
        if not kept:
            raise _Invalid(NO_TAGS, "no tags in database" if not tags else
                           "no tags in database: every tag is excluded by the exclusionList")
        filt = spec.get("filterTags")
        if filt is not None:
            candidates = _filter(filt if isinstance(filt, dict) else {}, kept, verdicts)
            random_order = True
        else:
            candidates = {t: t for t in kept}
            random_order = False
        show_value = isinstance(filt, dict) and bool(filt.get("extract"))
        for value, tag in candidates.items():
            verdicts[tag] = TagVerdict(tag, value if show_value else None, CANDIDATE)
        if not candidates:
            raise _Invalid(NO_MATCH, "version list argument cannot be empty")
        order = list(candidates)  # descending order of original tags; Flux's order when no filter
        if kind == "semver":
            win, tied = _semver(arg, order, candidates, verdicts, random_order)
        elif kind == "alphabetical":
            win, tied = _alphabetical(arg, order, candidates, verdicts)
        else:
            win, tied = _numerical(arg, order, candidates, verdicts, random_order)
    except _Invalid as e:
        sel.error = PolicyError(e.reason, str(e))
        win, tied = None, []
    sel.tag = candidates[win] if win is not None else None
    if sel.tag is not None:
        verdicts[sel.tag].verdict = SELECTED
        verdicts[sel.tag].detail = "latest" + (f" (value {win})" if win != sel.tag else "")
    sel.tied = [candidates[v] for v in tied] if len(tied) > 1 else []
    if sel.tied:
        sel.warnings.append(
            f"{len(sel.tied)} candidates tie ({', '.join(sel.tied)}); Flux picks one at random on every "
            "reconciliation (filterTags hands the policy a Go map) and may flip between them")
    if len(verdicts) != len(kept) + len(dropped):
        for t in kept + list(dropped):
            verdicts.setdefault(t, TagVerdict(t, None, CANDIDATE))
    sel.tags = sorted(verdicts.values(), key=_tag_of, reverse=True)
    return sel


def _filter(filt: dict, kept: list[str], verdicts: dict[str, TagVerdict]) -> dict[str, str]:
    pattern = str(filt.get("pattern") or "")
    extract = str(filt.get("extract") or "")
    try:
        rx = goregex.compile(pattern)
    except goregex.PatternError as e:
        raise _Invalid(INVALID_PATTERN, f"failed to filter tags: invalid regular expression pattern "
                       f"'{pattern}': {e}") from None
    out: dict[str, str] = {}
    tmpl = rx.compile_template(extract) if extract else None
    single = tmpl[0] if tmpl is not None and len(tmpl) == 1 and isinstance(tmpl[0], int) else None
    match, unanchored = rx._match, rx._unanchored
    nomatch = f"does not match pattern {pattern}"
    seen: dict[str, str] = {}
    for t in kept:  # descending: a later (smaller) tag with the same value overwrites
        b = t.encode("utf-8", "surrogatepass")
        spans = match(unanchored, b, 0, len(b))
        if spans[0][0] < 0:
            verdicts[t] = TagVerdict(t, None, FILTERED, nomatch)
            continue
        if tmpl is None:
            value = t
        elif single is not None:  # the common `$name`: one group, no Spans object
            st, en = spans[single] if single >= 0 else (-1, -1)
            value = b[st:en].decode() if st >= 0 else ""
        else:
            value = rx.expand(tmpl, t, goregex.Spans(b, spans))
        value = seen.setdefault(value, value)  # equal values share one string: memory O(distinct values)
        if value in out:
            loser = out[value]
            verdicts[loser] = TagVerdict(loser, value, LOWER,
                                         f"extracts the same value '{_short(value)}' as {_short(t)}; Flux keeps the smaller tag")
            del out[value]
        out[value] = t
    # keep descending order of original tags for deterministic output
    return dict(sorted(out.items(), key=lambda kv: kv[1], reverse=True))


def _semver(c: constraints.Constraints, order: list[str], cand: dict[str, str],
            verdicts: dict[str, TagVerdict], random_order: bool) -> tuple[Optional[str], list[str]]:
    best, best_v = None, None
    admitted: list[tuple[str, Any]] = []
    for value in order:
        tag = cand[value]
        v = versions.parse_tag(value)
        if v is None:
            verdicts[tag].verdict, verdicts[tag].detail = UNPARSABLE, versions.why_not_version(value)
            continue
        if not c.check(v):
            verdicts[tag].verdict, verdicts[tag].detail = OUT_OF_RANGE, c.explain(v) or "outside the range"
            continue
        admitted.append((value, v))
        if best_v is None or v.key > best_v.key:
            best, best_v = value, v
    if best is None:
        raise _Invalid(NO_MATCH, "unable to determine latest version from provided list")
    assert best_v is not None
    bk = best_v.key
    tied = [val for val, v in admitted if v.key == bk] if random_order else []
    lower = f"lower than {_short(cand[best])}"
    equal = f"equal version to {_short(cand[best])}" + ("; Flux picks at random" if random_order
                                                 else "; Flux keeps the first in descending order")
    for val, v in admitted:
        if val != best:
            tv = verdicts[cand[val]]
            tv.verdict, tv.detail = LOWER, (equal if v.key == bk else lower)
    return best, tied


def _alphabetical(order_arg: str, order: list[str], cand: dict[str, str],
                  verdicts: dict[str, TagVerdict]) -> tuple[Optional[str], list[str]]:
    best = max(order) if order_arg == "ASC" else min(order)
    # one detail string shared by every loser: memory stays O(input) however long the winner is
    detail = (f"sorts before {_short(cand[best])} (byte order, asc picks the greatest)" if order_arg == "ASC" else
              f"sorts after {_short(cand[best])} (byte order, desc picks the least)")
    for val in order:
        if val != best:
            verdicts[cand[val]].verdict = LOWER
            verdicts[cand[val]].detail = detail
    return best, []


def _numerical(order_arg: str, order: list[str], cand: dict[str, str], verdicts: dict[str, TagVerdict],
               random_order: bool) -> tuple[Optional[str], list[str]]:
    bad = [v for v in order if numerical.parse_float(v) is None]
    for v in bad:
        verdicts[cand[v]].verdict = UNPARSABLE
        verdicts[cand[v]].detail = "not a number for Go strconv.ParseFloat; one such tag fails the whole policy"
    if bad:
        raise _Invalid(INVALID_NUMERIC, f"failed to parse invalid numeric value '{bad[0]}'"
                       + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else "")
                       + "; add a filterTags pattern that only matches numeric tags")
    best = numerical.latest(order, order_arg)
    bv = numerical.parse_float(best)
    tied = [v for v in order if numerical.parse_float(v) == bv] if random_order else []
    equal = f"equal value to {_short(cand[best])}"  # shared strings: O(input) memory (see _alphabetical)
    other = f"{'lower' if order_arg == 'ASC' else 'higher'} than {_short(cand[best])}"
    for v in order:
        if v != best:
            verdicts[cand[v]].verdict = LOWER
            verdicts[cand[v]].detail = equal if numerical.parse_float(v) == bv else other
    return best, tied
