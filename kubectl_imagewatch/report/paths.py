"""How a finding's file is named in every format: relative to the repository root, `/`-separated,
without `./` (GitHub annotations and SARIF results attach only to such paths)."""
from __future__ import annotations

import os
from typing import Optional


def shown(path: str, root: Optional[str]) -> str:
    """path relative to root when it lies inside root; otherwise as given, normalised. `<stdin>` as is."""
    if not path or path.startswith("<"):
        return path
    if root:
        a, r = os.path.abspath(path), os.path.abspath(root)
        if a == r or a.startswith(r.rstrip(os.sep) + os.sep):
            return os.path.relpath(a, r).replace(os.sep, "/")
    return os.path.normpath(path).replace(os.sep, "/")
