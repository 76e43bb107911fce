"""Kubernetes label selectors (matchLabels/matchExpressions) as policySelector uses them."""
from __future__ import annotations

from typing import Any, Optional

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def problem(sel: Any) -> Optional[str]:
    """Why a LabelSelector is invalid (metav1.LabelSelectorAsSelector), or None."""
    if sel is None:
        return None
    if not isinstance(sel, dict):
        return "policySelector must be a mapping"
    labels, exprs = sel.get("matchLabels") or {}, sel.get("matchExpressions") or []
    if not isinstance(labels, dict):
        return "matchLabels must be a mapping"
    if not isinstance(exprs, list):
        return "matchExpressions must be a list"
    for k, v in labels.items():
        if not isinstance(v, str):
            return f"matchLabels[{k}] must be a string"
    for i, e in enumerate(exprs):
        if not isinstance(e, dict):
            return f"matchExpressions[{i}] must be a mapping"
        op, vals = e.get("operator"), e.get("values") or []
        if not isinstance(vals, list) or not all(isinstance(v, str) for v in vals):
            return f"matchExpressions[{i}].values must be a list of strings"
        if not isinstance(e.get("key"), str):
            return f"matchExpressions[{i}].key must be a string"
        if op not in OPERATORS:
            return f"matchExpressions[{i}].operator {op!r} is not one of {', '.join(OPERATORS)}"
        if op in ("In", "NotIn") and not vals:
            return f"matchExpressions[{i}]: operator {op} needs values"
        if op in ("Exists", "DoesNotExist") and vals:
            return f"matchExpressions[{i}]: operator {op} takes no values"
    return None


def matches(sel: Any, labels: dict) -> bool:
    """An absent selector matches everything; an empty one too (Flux lists every policy); an invalid
    one nothing (Flux fails the automation)."""
    if not sel:
        return True
    if problem(sel) is not None:
        return False
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in sel.get("matchExpressions") or []:
        key, op, vals = e.get("key"), e.get("operator"), e.get("values") or []
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and key in labels and labels[key] in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True
