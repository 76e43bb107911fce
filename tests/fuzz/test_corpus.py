"""Replay the regression corpus: every input the fuzzers (or the security review) once crashed or hung.

corpus/validate/   files (and directories holding a kustomization.yaml): one validate run per format,
                   plus one through the real `python -m kubectl_imagewatch` entry point; slow/ (seconds
                   each: deep flow nesting) only in the text run
corpus/simulate/<case>/  flux.yaml + tags.{json,yaml,txt} (+ args.txt: extra arguments, one per line)
corpus/templates/*.tmpl  commit templates, all in one simulate run (one automation each) and one validate run
corpus/create/*.json     argument lists for `create`
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest

from tests.fuzz import harness
from tests.fuzz.test_fuzz_simulate import MARKED, automation_doc, dump, policy_doc, repo_doc, simulate_oracle

CORPUS = Path(__file__).resolve().parent / "corpus"


def _units(d: Path, slow: bool = True) -> harness.Units:
    """One unit per file or directory; `slow/` holds inputs that cost seconds (replayed in one format)."""
    units = []
    for p in sorted(d.iterdir()):
        if p.name == "slow" and not slow:
            continue
        if p.is_dir():
            units.append({str(f.relative_to(d)): f.read_bytes() for f in sorted(p.rglob("*")) if f.is_file()})
        else:
            units.append({p.name: p.read_bytes()})
    return units + [{".git/HEAD": b"ref: refs/heads/main\n"}]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_validate_corpus(fmt: str) -> None:
    harness.check_units(f"corpus-validate-{fmt}", _units(CORPUS / "validate", slow=fmt == "text"),
                        lambda root, u: ["validate", "-o", fmt, "."])


def test_validate_corpus_real_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same inputs through `python -m kubectl_imagewatch` in a subprocess, once."""
    monkeypatch.setattr(harness, "EXEC", "subprocess")
    harness.check_units("corpus-validate-subprocess", _units(CORPUS / "validate", slow=False),
                        lambda root, u: ["validate", "."], inputs=0)


SIM_CASES = sorted(p.name for p in (CORPUS / "simulate").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", SIM_CASES)
def test_simulate_corpus(case: str) -> None:
    d = CORPUS / "simulate" / case
    tags = next(p.name for p in sorted(d.iterdir()) if p.name.startswith("tags."))
    extra = (d / "args.txt").read_text().splitlines() if (d / "args.txt").exists() else []
    units = [{p.name: p.read_bytes()} for p in sorted(d.iterdir()) if p.is_file() and p.name != "args.txt"]
    for fmt in ("text", "json"):
        harness.check_units(f"corpus-simulate-{case}-{fmt}", units,
                            lambda root, u: ["simulate", "-o", fmt, "--all", "--tags-file", tags, "--repo-root", ".",
                                             *extra, "flux.yaml"], inputs=1 if fmt == "text" else 0)


def test_template_corpus() -> None:
    templates = [p.read_text() for p in sorted((CORPUS / "templates").glob("*.tmpl"))]
    units: harness.Units = [{"flux.yaml": dump([repo_doc(0), policy_doc(0, {"policy": {"semver": {"range": ">=1.0.0"}}})])}]
    for i, t in enumerate(templates):
        units.append({f"a{i:03d}.yaml": dump([automation_doc(f"a{i:03d}", f"./apps/a{i:03d}", t)]),
                      f"apps/a{i:03d}/pod.yaml": MARKED.encode()})
    tags = json.dumps({"flux-system/app0": ["1.0.0", "2.0.0"]}).encode()

    def sim(root: Path, u: harness.Units) -> list[str]:
        (root / "tags.json").write_bytes(tags)
        return ["simulate", "-o", "json", "--tags-file", "tags.json", "--repo-root", ".",
                *sorted(r for x in u for r in x if not r.startswith("apps/"))]
    harness.check_units("corpus-templates", units, sim, simulate_oracle({"app0": ["1.0.0", "2.0.0"]}),
                        inputs=len(templates))
    harness.check_units("corpus-templates-validate", units, lambda root, u: [
        "validate", "-o", "json", *sorted(r for x in u for r in x if not r.startswith("apps/"))], inputs=0)


CREATE_CASES = sorted((CORPUS / "create").glob("*.json"))


@pytest.mark.parametrize("case", CREATE_CASES, ids=[p.stem for p in CREATE_CASES])
def test_create_corpus(case: Path, tmp_path: Path) -> None:
    args = json.loads(case.read_text())
    o = harness.run(args, tmp_path)
    harness.assert_clean(o, case.name)


def test_corpus_is_not_empty() -> None:
    assert len(_units(CORPUS / "validate")) > 10 and SIM_CASES and CREATE_CASES
    assert any((CORPUS / "templates").glob("*.tmpl"))


@pytest.fixture(autouse=True)
def _no_stray_files() -> Iterator[None]:
    """Corpus files stay as committed (a run must not rewrite its inputs)."""
    before = {str(p): p.stat().st_mtime_ns for p in CORPUS.rglob("*")}
    yield
    after = {str(p): p.stat().st_mtime_ns for p in CORPUS.rglob("*")}
    assert before == after
