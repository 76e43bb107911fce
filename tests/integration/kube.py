"""A Kubernetes API emulator (kmock) speaking real HTTP, served from a background thread, with the
Flux resources, Secrets, Events and Leases registered; plus a kubeconfig for it."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

KINDS: dict = {}


def start(tmp: Path) -> dict:
    import aiohttp.web
    import kmock
    from kmock._internal import rendering

    if not getattr(aiohttp.web.StreamResponse, "_iw_patched", False):
        prepare = aiohttp.web.StreamResponse.prepare

        async def _json_watch_prepare(self: Any, request: Any) -> Any:  # kubectl wants JSON watch streams
            if request.query.get("watch") in ("true", "1") and self.content_type == "application/octet-stream":
                self.content_type = "application/json"
            return await prepare(self, request)

        aiohttp.web.StreamResponse.prepare = _json_watch_prepare
        aiohttp.web.StreamResponse._iw_patched = True

    class Emulator(kmock.KubernetesEmulator):
        async def _serve_create(self, request: Any) -> Any:
            return rendering.Response(status=201, payload=await super()._serve_create(request))

        async def _serve_list(self, request: Any) -> Any:
            out = await super()._serve_list(request)
            r = request.resource
            kind = KINDS.get((r.group, r.version, r.plural), r.plural.capitalize())
            out = {"apiVersion": f"{r.group}/{r.version}" if r.group else r.version, "kind": kind + "List", **out}
            out["metadata"] = {"resourceVersion": "1"}
            return out

    verbs = ["create", "delete", "get", "list", "patch", "watch"]
    resources = {
        ("image.toolkit.fluxcd.io", "v1", "imagerepositories"): ("ImageRepository", "imagerepository", True),
        ("image.toolkit.fluxcd.io", "v1", "imagepolicies"): ("ImagePolicy", "imagepolicy", True),
        ("image.toolkit.fluxcd.io", "v1", "imageupdateautomations"): ("ImageUpdateAutomation", "imageupdateautomation", True),
        ("source.toolkit.fluxcd.io", "v1", "gitrepositories"): ("GitRepository", "gitrepository", True),
        ("", "v1", "secrets"): ("Secret", "secret", False),
        ("", "v1", "events"): ("Event", "event", False),
        ("coordination.k8s.io", "v1", "leases"): ("Lease", "lease", False),
        ("apps", "v1", "deployments"): ("Deployment", "deployment", False),
    }
    box: dict = {}
    ready = threading.Event()

    async def serve() -> None:
        async with Emulator() as emu, kmock.Server(emu) as srv:
            for (g, v, plural), (kind, singular, status) in resources.items():
                KINDS[(g, v, plural)] = kind
                key = f"{g}/{v}/{plural}" if g else f"{v}/{plural}"
                emu.resources[key] = kmock.ResourceInfo(kind=kind, singular=singular, namespaced=True, verbs=verbs,
                                                        subresources=["status"] if status else [])
            box.update(emu=emu, url=str(srv.url), stop=asyncio.Event(), loop=asyncio.get_running_loop())
            ready.set()
            await box["stop"].wait()

    loop = asyncio.new_event_loop()
    t = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    t.start()
    if not ready.wait(15):
        raise RuntimeError("kmock did not start")
    kc = tmp / "kubeconfig"
    kc.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: kmock, cluster: {{server: "{box['url'].rstrip('/')}"}}}}]
contexts: [{{name: kmock, context: {{cluster: kmock, user: tester, namespace: flux-system}}}}]
current-context: kmock
users: [{{name: tester, user: {{token: test-token}}}}]
""")
    box["kubeconfig"] = str(kc)
    box["thread"] = t
    return box


def stop(box: dict) -> None:
    box["loop"].call_soon_threadsafe(box["stop"].set)
    box["thread"].join(10)
