"""README commands run as written: every shell command in a ```sh block that needs no server is run
here (kubectl imagewatch ... in-process); the others are named with the test that runs them."""
from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, invoke

# commands not run here, each with where it is covered
ELSEWHERE = {
    "python3 -m pip install": "installs packages (CI runs it: .ci/run)",
    "python3 -m pytest": "the suite itself",
    "python3 scripts/demo_loop.py": "tests/integration/test_demo.py::test_demo_loop_pushes",
    "python3 scripts/demo_registry.py &": "tests/integration/test_demo.py::test_readme_live_registry_block",
    "kubectl imagewatch simulate demo/": "tests/integration/test_demo.py::test_readme_live_registry_block (a registry)",
    "kubectl imagewatch run --from-cluster": "tests/integration/test_run.py (a cluster)",
}


def commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    out = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            out.extend(c.strip() for c in line.split("&&") if c.strip())
    return out


def argv(cmd: str) -> list[str]:
    for prefix in ("kubectl imagewatch ", "kubectl-imagewatch "):
        if cmd.startswith(prefix):
            return cmd[len(prefix):].split()
    raise AssertionError(f"README command {cmd!r} is neither run here nor listed in ELSEWHERE")


def test_every_command_is_covered() -> None:
    cmds = commands()
    assert len(cmds) >= 6
    for c in cmds:
        if not any(c.startswith(k) for k in ELSEWHERE):
            argv(c)


@pytest.mark.parametrize("cmd", [c for c in commands() if not any(c.startswith(k) for k in ELSEWHERE)])
def test_readme_command_runs_as_written(cmd: str) -> None:
    r = invoke(*argv(cmd), cwd=str(ROOT))
    assert r.code == 0, (cmd, r.out, r.err)
    assert "Traceback" not in r.err and "warning:" not in r.err, r.err


def test_quick_start_is_two_blocks_and_ci_runs_the_second() -> None:
    """Quick start: one block installs and runs validate/simulate on examples/, one runs the tests;
    .ci/run ends with exactly that test command, so CI and a newcomer run the same thing."""
    section = (ROOT / "README.md").read_text().split("## Quick start\n", 1)[1].split("\n## ", 1)[0]
    assert section.count("```") == 4
    first, second = (b.strip() for b in re.findall(r"```sh\n(.*?)```", section, re.S))
    assert "pip install" in first and "validate examples/" in first and "simulate examples/" in first
    assert "\n" not in second and second.endswith("python3 -m pytest -q")
    ci = [line for line in (ROOT / ".ci/run").read_text().splitlines() if line.strip() and not line.startswith("#")]
    assert ci[-1] == second
