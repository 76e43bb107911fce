"""The pre-commit hook's path (validate --repo-context) imports nothing heavy (a real process)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CRD = ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n"
       "  name: imagepolicies.image.toolkit.fluxcd.io\nspec:\n  group: image.toolkit.fluxcd.io\n")


def test_the_hook_imports_nothing_heavy(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "crds.yaml").write_text("---\n" + CRD)
    marked = tmp_path / "deploy.yaml"
    marked.write_text("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
                      "      - image: app:1.0.0 # {\"$imagepolicy\": \"flux-system:app\"}\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import sys; from kubectl_imagewatch import api; "
            "api.validate([%r], api.ValidateOptions(repo_context=True)); "
            "print(sorted(m for m in ('kubernetes', 'jsonschema', 'httpx', 're2') if m in sys.modules))" % str(marked))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root).stdout
    assert out.strip() == "[]"
