"""diff in a real process that is sent SIGTERM (a cancelled CI job)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import ROOT
from tests.unit.test_diff import make_repo


def test_sigterm_removes_the_temp_directory(tmp_path: Path) -> None:
    """A cancelled CI job sends SIGTERM: the base revision's directory goes with it."""
    import signal
    import sys

    repo = make_repo(tmp_path)
    code = ("import sys, time\nfrom kubectl_imagewatch.review import revision\n"
            "with revision.materialise(sys.argv[1], 'main') as tree:\n"
            "    print(tree.root, flush=True)\n    time.sleep(60)\n")
    p = subprocess.Popen([sys.executable, "-c", code, str(repo)], stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert p.stdout is not None
    root = Path(p.stdout.readline().strip())
    assert (root / "policies" / "images.yaml").is_file()
    p.send_signal(signal.SIGTERM)
    assert p.wait(30) == 128 + signal.SIGTERM
    assert not root.exists()
