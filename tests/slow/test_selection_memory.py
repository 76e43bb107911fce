"""Selection memory stays linear in the input (fuzz-security review 2, defect 9): 0.1 MB of tags,
traced with tracemalloc; moved out of the unit suite because it builds and traces big inputs."""
from __future__ import annotations

import json
import tracemalloc

import pytest

from kubectl_imagewatch.reflector.policy import select


@pytest.mark.parametrize("policy", [{"alphabetical": {"order": "asc"}}, {"alphabetical": {"order": "desc"}},
                                    {"numerical": {"order": "asc"}}])
def test_selection_memory_is_linear_in_the_input(policy: dict) -> None:
    winner = "z" * 100_000 if "alphabetical" in policy else "99999." + "0" * 100_000
    tags = [f"{i}" for i in range(5000)] + [winner]  # ~0.1 MB of input; a copy per loser would be 500 MB
    from kubectl_imagewatch.manifests.loader import Document
    from kubectl_imagewatch.manifests.model import FluxObject
    from kubectl_imagewatch.reflector.simulate import PolicyResult
    from kubectl_imagewatch.report.simulate import render_text

    pol = FluxObject(Document("x", 0, {"spec": {}}, {}, 1), (), "ImagePolicy", "image.toolkit.fluxcd.io/v1",
                     "app", "flux-system", True)
    tracemalloc.start()
    try:
        sel = select({"policy": policy}, tags)
        result = PolicyResult(pol, None, "ghcr.io/acme/app", sel)
        text = render_text([result], show_all=True)  # every tag's line names the winner
        doc = json.dumps(result.as_dict())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 << 20, f"{peak:,} bytes"
    assert len(text) < 2 << 20 and len(doc) < 2 << 20
    assert sel.tag == (winner if policy != {"alphabetical": {"order": "desc"}} else "0")
