"""A handful of true end-to-end runs of `python -m kubectl_imagewatch` in a subprocess: what only a real
process shows (exit codes through sys.exit, stdin, lazy imports). Everything else is in-process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, run_cli


def test_help_lists_every_command_in_order() -> None:
    from kubectl_imagewatch.cli import COMMANDS

    r = run_cli("--help")
    assert r.code == 0
    listed = [ln.split()[0] for ln in r.out.split("Commands:")[1].splitlines() if ln.strip()]
    assert listed == list(COMMANDS)


def test_exit_codes_of_the_real_process(tmp_path: Path) -> None:
    assert run_cli("validate", "examples/").code == 0
    assert run_cli("validate", str(ROOT / "tests/cases/checks/IW204/bad.yaml")).code == 1
    assert run_cli("validate", "does/not/exist").code == 2
    r = run_cli("simulate", "examples/", "--tags-file", "examples/tags.yaml", "--flux-release", "abc")
    assert r.code == 2 and "unknown Flux release 'abc'" in r.err and "internal error" not in r.err


def test_validate_stdin() -> None:
    data = (ROOT / "tests/cases/checks/IW204/bad.yaml").read_bytes()
    r = run_cli("validate", "-", stdin=data)
    assert r.code == 1 and "<stdin>" in r.out


def test_help_imports_no_command_module() -> None:
    code = ("import sys; from kubectl_imagewatch.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('kubectl_imagewatch.') and "
            "m.split('.')[1] not in ('cli', 'errors')), sorted(m for m in sys.modules if m.startswith('kubectl_imagewatch.cli.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout
    assert out.strip().splitlines()[-1] == "[] []"


def test_lazy_imports_on_validate(tmp_path: Path) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text("apiVersion: v1\nkind: ConfigMap\n")
    code = ("import sys; from kubectl_imagewatch import api; api.validate([%r]); "
            "print(sorted(m for m in ('kubernetes', 'jsonschema', 'httpx', 're2', 'ruamel.yaml') if m in sys.modules))"
            % str(plain))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
    code2 = ("import sys; from kubectl_imagewatch import api; api.validate(['examples']); "
             "print('kubernetes' in sys.modules, 'httpx' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code2], capture_output=True, text=True,
                          cwd=ROOT).stdout.strip() == "False False"


def test_kubectl_complete_as_kubectl_runs_it() -> None:
    """kubectl >= 1.26 runs `kubectl_complete-imagewatch WORDS... ''` and reads lines plus `:directive`."""
    code = "from kubectl_imagewatch.cli.completion import kubectl_complete; kubectl_complete()"
    p = subprocess.run([sys.executable, "-c", code, "validate", "--str"], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0 and p.stderr == ""
    assert p.stdout == "--strict\tWarnings fail the run too.\n:4\n"
