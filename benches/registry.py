#!/usr/bin/env python3
"""Benchmark: scan 20 repositories of 5,000 tags each from a local docker-registry (through the
paging proxy, 1,000 tags a page) and count requests: they must equal the pages needed."""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kubectl_imagewatch.manifests.inventory import Inventory  # noqa: E402
from kubectl_imagewatch.manifests.loader import Document  # noqa: E402
from kubectl_imagewatch.manifests.model import FluxObject  # noqa: E402
from kubectl_imagewatch.reflector.registry import client, scan  # noqa: E402
from tests.integration.servers import PageProxy, Registry  # noqa: E402


def main() -> int:
    d = Path(tempfile.mkdtemp(prefix="iw-regbench-"))
    reg = Registry(d)
    proxy = PageProxy(reg.port, 1000)
    try:
        tags = [f"{a}.{b}.{c}" for a in range(5) for b in range(10) for c in range(100)]
        repos = []
        for i in range(20):
            reg.push_fast(f"bench/r{i}", tags)
            data = {"spec": {"image": f"{proxy.host}/bench/r{i}", "interval": "1h", "insecure": True}}
            repos.append(FluxObject(Document("b", i, data, {}, 1), (), "ImageRepository",
                                    "image.toolkit.fluxcd.io/v1", f"r{i}", "flux-system", True))
        sent = []
        orig = client.RegistryClient._send

        def counted(self, *a, **k):  # type: ignore[no-untyped-def]
            sent.append(1)
            return orig(self, *a, **k)

        client.RegistryClient._send = counted  # type: ignore[method-assign]
        n0 = len(proxy.log)
        t = time.perf_counter()
        out = scan.scan_many(repos, Inventory().secret)
        wall = time.perf_counter() - t
        total = sum(len(v[0] or []) for v in out.values())
        print("| benchmark | value |\n|---|---|")
        print(f"| scan 20 repositories x 5,000 tags (1,000/page) | {wall:.2f} s |")
        print(f"| tags listed | {total:,} |")
        print(f"| HTTP requests seen by the registry proxy | {len(proxy.log) - n0} (pages needed: {20 * 5}) |")
    finally:
        proxy.stop()
        reg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
