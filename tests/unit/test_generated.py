"""Generated artefacts are reproducible: schemas/ from crds/, docs/checks.md from the check table."""
from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_schemas_regenerate_identically(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts/gen_schemas.py"), str(ROOT / "crds"), str(tmp_path)],
                   check=True, capture_output=True)
    for f in tmp_path.iterdir():
        assert filecmp.cmp(f, ROOT / "schemas" / f.name, shallow=False), f.name


def test_checks_doc_is_current(tmp_path: Path) -> None:
    before = (ROOT / "docs/checks.md").read_text()
    subprocess.run([sys.executable, str(ROOT / "scripts/gen_docs.py")], check=True, capture_output=True)
    assert (ROOT / "docs/checks.md").read_text() == before, "run scripts/gen_docs.py and commit docs/checks.md"
