"""Git names an ImageUpdateAutomation hands to git: push refspecs and branch names.

Flux gives `push.refspec` to go-git, whose `RefSpec.Validate` wants `[+]<src>:<dst>`: exactly one
`:`, a non-empty `<dst>`, and as many `*` on each side (at most one). This tool runs the git CLI,
so a name that starts with `-` would be read as an option (`--mirror` deletes every other remote
branch); such names are refused here, by `validate` and by `run`.
"""
from __future__ import annotations

import re
from typing import Optional

_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def refspec_problem(spec: str) -> Optional[str]:
    """Why go-git (or the git command line) cannot take `spec` as a push refspec, or None."""
    if spec.count(":") != 1:
        return f"push.refspec {spec!r}: malformed refspec, separators are wrong (want [+]<src>:<dst>)"
    src, dst = spec.split(":")
    if not dst:
        return f"push.refspec {spec!r}: malformed refspec, separators are wrong (the destination is empty)"
    if src.count("*") != dst.count("*") or src.count("*") > 1:
        return f"push.refspec {spec!r}: malformed refspec, mismatched number of wildcards"
    side = src[1:] if src.startswith("+") else src
    if side.startswith("-") or dst.startswith("-"):
        return f"push.refspec {spec!r}: a ref name cannot start with '-' (git would read it as an option)"
    return None


def branch_problem(name: str, field: str = "branch") -> Optional[str]:
    """Why `name` cannot be a branch (git check-ref-format rules), or None."""
    if not name:
        return f"{field} is empty"
    if name.startswith("-"):
        return f"{field} {name!r} starts with '-' (git would read it as an option)"
    m = _BAD_REF_CHARS.search(name)
    if m:
        return f"{field} {name!r} contains {m.group()!r}, which git does not allow in a ref name"
    parts = name.split("/")
    if (".." in name or "@{" in name or name == "@" or name.endswith((".", "/", ".lock")) or name.startswith("/")
            or any(p == "" or p.startswith(".") or p.endswith(".lock") for p in parts)):
        return f"{field} {name!r} is not a valid git ref name (git check-ref-format)"
    return None
