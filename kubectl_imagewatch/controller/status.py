"""Status and Events as Flux's controllers write them, for `run --write-status`."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from kubectl_imagewatch.automation.credentials import scrub


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


MAX_MESSAGE = 32768  # Kubernetes' limit for a condition message


def condition(status: bool, reason: str, message: str, generation: Optional[int] = None) -> dict:
    c: dict = {"type": "Ready", "status": "True" if status else "False", "reason": reason,
               "message": scrub(message)[:MAX_MESSAGE], "lastTransitionTime": _now()}
    if generation is not None:
        c["observedGeneration"] = generation
    return c


def repository_status(tags: Optional[list], error: Optional[str], image: str, generation: Optional[int],
                      exclusion: Optional[list] = None) -> dict:
    """After the exclusionList, as the reflector stores them: count and the first 10 in descending order."""
    if tags is None:
        return {"conditions": [condition(False, "ReadOperationFailed", error or "scan failed", generation)]}
    from kubectl_imagewatch.reflector.policy import exclude

    try:
        tags, _ = exclude(tags, exclusion)
    except ValueError as e:
        return {"conditions": [condition(False, "ReadOperationFailed", f"scan failed: {e}", generation)]}
    latest = tags[:10]
    return {"lastScanResult": {"tagCount": len(tags), "scanTime": _now(), "latestTags": latest},
            "observedGeneration": generation if generation is not None else -1,
            "conditions": [condition(True, "Succeeded", f"successful scan: found {len(tags)} tags", generation)]}


_REASONS = {"no-tags": "DependencyNotReady", "invalid-range": "InvalidPolicy", "invalid-policy": "InvalidPolicy",
            "invalid-pattern": "InvalidPolicy", "no-match": "Failure", "invalid-numeric": "Failure",
            "digest-failed": "Failed"}


def policy_status(result: Any, previous: Optional[dict], generation: Optional[int]) -> dict:
    if not result.ok:
        e = result.selection.error
        return {"conditions": [condition(False, _REASONS.get(e.reason, "Failure"), e.message, generation)]}
    ref = {"name": result.image, "tag": result.selection.tag}
    if result.digest:
        ref["digest"] = result.digest
    msg = f"Latest image tag for {result.image} resolved to {result.selection.tag}"
    if result.digest:
        msg += f" with digest {result.digest}"
    out: dict = {"latestRef": ref, "observedGeneration": generation if generation is not None else -1}
    if previous and (previous.get("name"), previous.get("tag"), previous.get("digest")) != \
            (ref["name"], ref["tag"], ref.get("digest")):
        out["observedPreviousRef"] = previous
        prev = f"{previous.get('name')}:{previous.get('tag')}" + (f"@{previous['digest']}" if previous.get("digest") else "")
        msg += f" (previously {prev})"
    out["conditions"] = [condition(True, "Succeeded", msg, generation)]
    return out


def automation_status(run: Any, generation: Optional[int]) -> dict:
    out: dict = {"lastAutomationRunTime": _now(), "observedGeneration": generation if generation is not None else -1}
    if run.outcome == "failed":
        reason = "UpdateFailed" if "template" in (run.error or "") else "GitOperationFailed"
        out["conditions"] = [condition(False, reason, run.error or "failed", generation)]
        return out
    if run.outcome == "pushed":
        out["lastPushCommit"] = run.commit
        out["lastPushTime"] = _now()
        msg = f"pushed commit '{(run.commit or '')[:7]}' to branch '{run.branch}'"
    else:
        msg = "repository up-to-date"
    out["observedPolicies"] = {k: {"name": v["image"], "tag": v["tag"], **({"digest": v["digest"]} if v.get("digest") else {})}
                               for k, v in run.observed_policies.items() if v}
    if run.source_revision:
        out["observedSourceRevision"] = run.source_revision
    out["conditions"] = [condition(True, "Succeeded", msg, generation)]
    return out
