"""Run the real CLI on fuzz inputs under resource limits, and judge the outcome.

Each run is the CLI's own `main()` (the code behind `python -m kubectl_imagewatch`) in a fresh
process: by default a fork of the test process, which has already imported the CLI, so a run costs
a few milliseconds instead of a ~0.3 s interpreter start; IMAGEWATCH_FUZZ_EXEC=subprocess runs
`python -m kubectl_imagewatch` instead. Either way the child gets RLIMIT_AS / RLIMIT_CPU, its own
process group (killed at the wall-clock limit), a clean environment and a strict UTF-8 stdout.
A segfault, an rlimit kill, exit 3, a traceback or "internal error" on stderr is a crash; the
wall-clock limit is a hang.
"""
from __future__ import annotations

import dataclasses
import io
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional, Sequence, TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
MEMORY = int(os.environ.get("IMAGEWATCH_FUZZ_MEMORY", 1 << 30))  # RLIMIT_AS per run (bytes)
CPU = int(os.environ.get("IMAGEWATCH_FUZZ_CPU", 20))             # RLIMIT_CPU per run (seconds)
WALL = float(os.environ.get("IMAGEWATCH_FUZZ_WALL", 60))          # wall clock per run (seconds)
EXEC = os.environ.get("IMAGEWATCH_FUZZ_EXEC", "fork")
SAVE = os.environ.get("IMAGEWATCH_FUZZ_SAVE")                     # directory to copy failing inputs to
INTERNAL = 3
OK_CODES = (0, 1, 2)
STATS = {"runs": 0, "inputs": 0, "crashes": 0, "hangs": 0, "max_rss_kb": 0, "max_cpu_s": 0.0}


@dataclasses.dataclass
class Outcome:
    args: list[str]
    code: Optional[int]   # None: killed by a signal (see `signal`) or at the wall-clock limit
    out: str
    err: str
    wall: float
    cpu: float
    rss_kb: int
    signal: Optional[int] = None
    hung: bool = False

    def problem(self) -> Optional[str]:
        """Why this run is a failure, or None."""
        if self.hung:
            return f"hang: killed after {self.wall:.1f} s wall (limit {WALL:.0f} s)"
        if self.signal is not None:
            name = signal.Signals(self.signal).name
            why = {"SIGXCPU": f"CPU limit {CPU} s", "SIGKILL": "killed (CPU or memory limit)"}.get(name, "crash")
            return f"killed by {name} ({why})"
        if self.code not in OK_CODES:
            return f"exit {self.code}"
        for needle in ("Traceback (most recent call last)", "internal error", "MemoryError", "RecursionError"):
            if needle in self.err:
                return f"{needle!r} on stderr"
        return None

    def describe(self) -> str:
        return (f"$ kubectl-imagewatch {' '.join(self.args)}\nexit={self.code} signal={self.signal} "
                f"wall={self.wall:.2f}s cpu={self.cpu:.2f}s rss={self.rss_kb >> 10} MiB\n"
                f"--- stderr (tail)\n{self.err[-3000:]}\n--- stdout (head)\n{self.out[:1500]}")


def child_env(home: str) -> dict[str, str]:
    """A clean environment: no CI/GitHub variables, no user config, no proxies, no credentials."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
            "NO_COLOR": "1", "IMAGEWATCH_DEBUG": "1", "KUBECONFIG": os.path.join(home, "no-kubeconfig"),
            "DOCKER_CONFIG": os.path.join(home, "no-docker"), "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}


def _limits() -> None:
    os.setpgid(0, 0)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU, CPU + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def preload() -> None:
    """Import what the commands import, once, in the parent: every fork starts warm."""
    import importlib

    for mod in ("kubectl_imagewatch.cli", "kubectl_imagewatch.cli.validate", "kubectl_imagewatch.cli.simulate",
                "kubectl_imagewatch.cli.update", "kubectl_imagewatch.cli.create", "kubectl_imagewatch.api",
                "kubectl_imagewatch.manifests.inventory", "kubectl_imagewatch.checks",
                "kubectl_imagewatch.reflector.simulate", "kubectl_imagewatch.reflector.policy",
                "kubectl_imagewatch.reflector.tagfile", "kubectl_imagewatch.automation.plan",
                "kubectl_imagewatch.golang.template", "kubectl_imagewatch.golang.regexp",
                "kubectl_imagewatch.report", "ruamel.yaml", "jsonschema", "re2"):
        try:
            importlib.import_module(mod)
        except ImportError:
            pass


def _child(args: Sequence[str], cwd: str, stdin: int, out: int, err: int, env: dict[str, str]) -> None:
    """In the forked child: become a fresh CLI process and never return."""
    code = 70
    try:
        _limits()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGPIPE, signal.SIGXCPU):
            signal.signal(sig, signal.SIG_DFL)
        os.dup2(stdin, 0), os.dup2(out, 1), os.dup2(err, 2)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        import atexit
        import socket

        atexit._clear()  # the parent's (pytest's) exit handlers are not this process's

        def no_network(self: socket.socket, *a: object) -> None:
            if self.family in (socket.AF_INET, socket.AF_INET6):
                raise OSError(101, "network is off in the fuzz harness")
            return real_connect(self, *a)

        real_connect = socket.socket.connect
        socket.socket.connect = no_network  # type: ignore[method-assign]
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
        sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8",
                                      errors="backslashreplace", line_buffering=True)
        sys.argv = ["kubectl-imagewatch", *args]
        from kubectl_imagewatch.cli import main

        try:
            main(list(args))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:  # IMAGEWATCH_DEBUG=1 lets bugs out with their traceback
            import traceback

            traceback.print_exc()
            code = INTERNAL
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
    finally:
        os._exit(code)


def _wait(pid: int, deadline: float) -> tuple[Optional[int], object, bool]:
    """(status, rusage, hung): wait for pid until the deadline, then kill its process group."""
    fd = os.pidfd_open(pid) if hasattr(os, "pidfd_open") else None
    try:
        while True:
            got, status, usage = os.wait4(pid, os.WNOHANG)
            if got == pid:
                return status, usage, False
            left = deadline - time.monotonic()
            if left <= 0:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                _, status, usage = os.wait4(pid, 0)
                return status, usage, True
            if fd is not None:
                select.select([fd], [], [], min(left, 1.0))
            else:
                time.sleep(min(left, 0.005))
    finally:
        if fd is not None:
            os.close(fd)


def run(args: Sequence[str], cwd: str | Path, stdin: bytes = b"", wall: float = WALL, inputs: int = 1) -> Outcome:
    """One CLI run; `inputs` is how many fuzz inputs it covers (for the totals)."""
    cwd = str(cwd)
    home = tempfile.mkdtemp(prefix="fuzz-home-")
    try:
        env = child_env(home)
        with tempfile.TemporaryFile() as fin, tempfile.TemporaryFile() as fout, tempfile.TemporaryFile() as ferr:
            fin.write(stdin)
            fin.seek(0)
            start = time.monotonic()
            if EXEC == "subprocess":
                p = subprocess.Popen([sys.executable, "-m", "kubectl_imagewatch", *args], cwd=cwd, env=env,
                                     stdin=fin, stdout=fout, stderr=ferr, preexec_fn=_limits)
                pid = p.pid
            else:
                sys.stdout.flush(), sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _child(args, cwd, fin.fileno(), fout.fileno(), ferr.fileno(), env)
            status, usage, hung = _wait(pid, start + wall)
            elapsed = time.monotonic() - start
            if EXEC == "subprocess":
                p.returncode = 0  # reaped above
            fout.seek(0), ferr.seek(0)
            out = fout.read().decode("utf-8", "replace")
            err = ferr.read().decode("utf-8", "replace")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    sig = os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None
    code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None
    cpu = usage.ru_utime + usage.ru_stime  # type: ignore[attr-defined]
    o = Outcome(list(args), code, out, err, elapsed, cpu, usage.ru_maxrss, sig, hung)  # type: ignore[attr-defined]
    STATS["runs"] += 1
    STATS["inputs"] += inputs
    STATS["max_rss_kb"] = max(STATS["max_rss_kb"], o.rss_kb)
    STATS["max_cpu_s"] = max(STATS["max_cpu_s"], round(o.cpu, 2))
    if inputs and o.hung:  # bisection re-runs (inputs=0) do not count again
        STATS["hangs"] += 1
    elif inputs and o.problem():
        STATS["crashes"] += 1
    return o


def save(name: str, files: dict[str, bytes], outcome: Outcome) -> str:
    """Keep a failing input (IMAGEWATCH_FUZZ_SAVE) so it can become a corpus entry; returns where."""
    if not SAVE:
        return ""
    d = Path(SAVE) / f"{name}-{int(time.time() * 1000) % 10**9}"
    for rel, data in files.items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_bytes(data)
    (d / "OUTCOME.txt").write_text(outcome.describe())
    return f" (saved in {d})"


def bisect(items: list, check: Callable[[list], Optional[T]]) -> tuple[list, T]:
    """Shrink a failing batch to a small failing subset. `check(subset)` returns the failing Outcome or None."""
    last = check(items)
    assert last is not None, "bisect called on a passing batch"
    while len(items) > 1:
        half = len(items) // 2
        for part in (items[:half], items[half:]):
            o = check(part)
            if o is not None:
                items, last = part, o
                break
        else:  # needs both halves together: stop here
            break
    return items, last


def assert_clean(o: Outcome, what: str = "") -> None:
    p = o.problem()
    assert p is None, f"{what}: {p}\n{o.describe()}"


def parse_json_output(o: Outcome) -> object:
    """`-o json` promises JSON on stdout whenever the command ran (exit 0 or 1)."""
    try:
        return json.loads(o.out)
    except ValueError as e:
        raise AssertionError(f"-o json printed no JSON ({e})\n{o.describe()}") from None


Units = list[dict[str, bytes]]  # each unit: relative path -> bytes; one unit is one fuzz input


def check_units(name: str, units: Units, args_for: Callable[[Path, Units], list[str]],
                oracle: Optional[Callable[[Outcome, Path, Units], Optional[str]]] = None,
                stdin: bytes = b"", wall: float = WALL, inputs: Optional[int] = None) -> None:
    """Run one CLI call over all units; on failure bisect to the failing unit(s) and fail the test
    with the input (saved under IMAGEWATCH_FUZZ_SAVE when set)."""
    counted = [False]

    def attempt(subset: Units) -> Optional[tuple[Outcome, str]]:
        root = Path(tempfile.mkdtemp(prefix="fuzz-"))
        try:
            for unit in subset:
                for rel, data in unit.items():
                    p = root / rel
                    p.parent.mkdir(parents=True, exist_ok=True)
                    p.write_bytes(data)
            n = 0 if counted[0] else (len(subset) if inputs is None else inputs)
            counted[0] = True
            o = run(args_for(root, subset), root, stdin=stdin, wall=wall, inputs=n)
            why = o.problem() or (oracle(o, root, subset) if oracle else None)
            return (o, why) if why else None
        finally:
            shutil.rmtree(root, ignore_errors=True)

    first = attempt(units)
    if first is None:
        return
    try:
        culprit, (o, why) = bisect(units, attempt)
    except AssertionError:  # flaky: passed when repeated
        culprit, (o, why) = units, first
    files = {f"unit{i}/{rel}": data for i, u in enumerate(culprit) for rel, data in u.items()}
    where = save(name, files, o)
    shown = "\n".join(f"== {rel} ({len(data)} bytes)\n{data[:600]!r}" for rel, data in files.items())
    raise AssertionError(f"{name}: {why}{where}\n{shown}\n{o.describe()}")
