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


def test_checks_doc_is_current() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "scripts/gen_docs.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr or "run scripts/gen_docs.py and commit docs/checks.md"


def test_gen_docs_check_never_writes(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts/gen_docs.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    (tmp_path / "docs").mkdir()
    stale = tmp_path / "docs" / "checks.md"
    stale.write_text("old\n")
    mod.ROOT = str(tmp_path)
    assert mod.main(["--check"]) == 1
    assert stale.read_text() == "old\n"
    assert mod.main([]) == 0 and mod.main(["--check"]) == 0
