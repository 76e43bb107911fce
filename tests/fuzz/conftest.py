"""Fuzz suite settings: fixed seeds and budgets in CI, longer runs on request.

IMAGEWATCH_FUZZ_SCALE=10   ten times as many inputs (batches and hypothesis examples)
IMAGEWATCH_FUZZ_SEED=N     another deterministic series (CI uses 0)
IMAGEWATCH_FUZZ_SAVE=DIR   keep failing inputs there (to add to corpus/)
IMAGEWATCH_FUZZ_REPORT=F   write the totals (inputs, crashes, hangs, peak RSS/CPU) as JSON to F
IMAGEWATCH_FUZZ_EXEC=subprocess   run `python -m kubectl_imagewatch` per call instead of forking
"""
from __future__ import annotations

import json
import os
import time
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz import harness

SCALE = float(os.environ.get("IMAGEWATCH_FUZZ_SCALE", "1"))
SEED = int(os.environ.get("IMAGEWATCH_FUZZ_SEED", "0"))

settings.register_profile("fuzz", derandomize=SEED == 0, database=None, deadline=None, print_blob=True,
                          suppress_health_check=list(HealthCheck))


def examples(n: int) -> Any:
    """hypothesis settings for a test worth n examples in CI."""
    return settings(settings.get_profile("fuzz"), max_examples=max(1, int(n * SCALE)))


def batches(n: int) -> range:
    """n seeded batches in CI (seed series IMAGEWATCH_FUZZ_SEED)."""
    start = SEED * 1_000_003
    return range(start, start + max(1, int(n * SCALE)))


@pytest.fixture(scope="session", autouse=True)
def _warm() -> Iterator[None]:
    harness.preload()
    start = time.monotonic()
    yield
    report = os.environ.get("IMAGEWATCH_FUZZ_REPORT")
    if report:
        totals = dict(harness.STATS, wall_s=round(time.monotonic() - start, 1), scale=SCALE, seed=SEED,
                      limits={"memory_bytes": harness.MEMORY, "cpu_s": harness.CPU, "wall_s": harness.WALL})
        with open(report, "w") as f:
            json.dump(totals, f, indent=1)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    s = harness.STATS
    if s["runs"]:
        terminalreporter.write_line(
            f"fuzz: {s['inputs']} inputs in {s['runs']} CLI runs, {s['crashes']} crashes, {s['hangs']} hangs, "
            f"peak {s['max_rss_kb'] >> 10} MiB RSS, {s['max_cpu_s']} s CPU per run "
            f"(limits {harness.MEMORY >> 20} MiB AS, {harness.CPU} s CPU, {harness.WALL:.0f} s wall)")
