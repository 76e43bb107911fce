"""Shared fixtures: run the CLI (in-process with exceptions surfacing, or as a subprocess), build manifest sets."""
from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases"


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(*args: str, cwd: str | None = None, stdin: bytes | None = None, env: dict | None = None) -> Result:
    """The installed entry point in a subprocess: what users run, exit codes included."""
    e = dict(os.environ, IMAGEWATCH_DEBUG="1", NO_COLOR="1")
    e.update(env or {})
    p = subprocess.run([sys.executable, "-m", "kubectl_imagewatch", *args], capture_output=True, cwd=cwd or ROOT,
                       input=stdin, env=e, timeout=120)
    return Result(p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"))


def invoke(*args: str, cwd: str | None = None, stdin: bytes | None = None, env: dict | None = None) -> Result:
    """run_cli's in-process twin (click's CliRunner): the same arguments and Result, ~100x faster.
    Internal errors surface as exceptions with their traceback instead of exit 3."""
    from click.testing import CliRunner

    from kubectl_imagewatch.cli import cli as group

    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd or ROOT)
    try:
        r = runner.invoke(group, list(args), input=stdin, env={"IMAGEWATCH_DEBUG": "1", "NO_COLOR": "1", **(env or {})},
                          catch_exceptions=False, prog_name="kubectl-imagewatch")
    finally:
        os.chdir(old)
    return Result(r.exit_code, r.stdout, r.stderr)


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    return invoke


def flux_objects(policies: dict, automation: dict | None = None) -> str:
    """Manifests for {"ns:name": {"image", "tag", "digest"?, "labels"?}} and one automation."""
    docs = []
    for key, ref in policies.items():
        ns, name = key.split(":", 1)
        docs.append({"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageRepository",
                     "metadata": {"name": name, "namespace": ns}, "spec": {"image": ref["image"], "interval": "1h"}})
        spec: dict = {"imageRepositoryRef": {"name": name}, "policy": {"alphabetical": {"order": "asc"}}}
        if ref.get("digest"):
            spec.update({"digestReflectionPolicy": "Always", "interval": "10m"})
        md: dict = {"name": name, "namespace": ns}
        if ref.get("labels"):
            md["labels"] = ref["labels"]
        docs.append({"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy", "metadata": md, "spec": spec})
    if automation is not None:
        docs.append(automation)
    return "".join("---\n" + json.dumps(d) + "\n" for d in docs)


def b64(data: bytes | str) -> str:
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def write_manifests(path: Path, repo_spec: dict, secrets: dict | None = None, policy: dict | None = None) -> Path:
    """An ImageRepository `app` (repo_spec), its Secrets (name -> data, base64 applied) and a policy."""
    docs = [{"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImageRepository",
             "metadata": {"name": "app", "namespace": "flux-system"}, "spec": {"interval": "5m", **repo_spec}}]
    for name, data in (secrets or {}).items():
        docs.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "flux-system"},
                     "data": {k: b64(v) for k, v in data.items()}})
    docs.append({"apiVersion": "image.toolkit.fluxcd.io/v1", "kind": "ImagePolicy",
                 "metadata": {"name": "app", "namespace": "flux-system"},
                 "spec": {"imageRepositoryRef": {"name": "app"},
                          **(policy or {"policy": {"semver": {"range": ">=1.0.0"}}})}})
    path.write_text("".join("---\n" + json.dumps(d) + "\n" for d in docs))
    return path


def need(what: str, available: bool, install: str) -> None:
    """Skip when a real part is missing, but fail under CI (IMAGEWATCH_REQUIRE_REAL=1): CI must run them."""
    if available:
        return
    if os.environ.get("IMAGEWATCH_REQUIRE_REAL"):
        pytest.fail(f"{what} is required here ({install})")
    pytest.skip(f"{what} is not installed ({install})")
