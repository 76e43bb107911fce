"""`run`: one reconcile pass or a watch loop over manifests or a cluster, with status write-back,
structured logs, Prometheus metrics and Lease-based leader election."""
from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import socket
import sys
import threading
import time
from typing import Any, Callable, Optional, Sequence

from kubectl_imagewatch.automation import loop as automation
from kubectl_imagewatch.golang import duration as goduration
from kubectl_imagewatch.errors import ExitCode, OperationError, UsageError
from kubectl_imagewatch.manifests.model import IMAGE_POLICY, IMAGE_REPOSITORY, IMAGE_UPDATE_AUTOMATION


@dataclasses.dataclass
class Options:
    paths: Sequence[str] = ()
    from_cluster: bool = False
    kubeconfig: Optional[str] = None
    context: Optional[str] = None
    namespace: Optional[str] = None
    all_namespaces: bool = False
    tags_file: Optional[str] = None
    cache_dir: Optional[str] = None
    git_urls: dict = dataclasses.field(default_factory=dict)
    dry_run: bool = False
    watch: bool = False
    write_status: bool = False
    force: bool = False
    flux_release: Optional[str] = None
    log_format: Optional[str] = None  # None: quiet for one pass, text when watching
    metrics_addr: Optional[str] = None
    leader_elect: bool = False
    lease_namespace: Optional[str] = None
    lease_name: str = "kubectl-imagewatch"
    default_namespace: str = "flux-system"
    max_cycles: int = 0  # tests: stop after this many cycles


class Logger:
    def __init__(self, fmt: str = "text", stream: Any = None) -> None:
        self.fmt, self.stream = fmt, stream or sys.stderr
        self.lock = threading.Lock()

    def __call__(self, msg: str, fields: Optional[dict] = None) -> None:
        fields = {k: v for k, v in (fields or {}).items() if v is not None}
        if self.fmt == "json":
            line = json.dumps({"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "level": "info",
                               "msg": msg, **fields})
        else:
            line = msg + "".join(f" {k}={v}" for k, v in fields.items())
        with self.lock:
            print(line, file=self.stream, flush=True)


class _Null:
    def write(self, s: str) -> int:
        return len(s)

    def flush(self) -> None:
        pass


class Metrics:
    def __init__(self) -> None:
        self.counters: dict[tuple, float] = {}
        self.lock = threading.Lock()

    def inc(self, name: str, labels: tuple = (), by: float = 1.0) -> None:
        with self.lock:
            self.counters[(name, labels)] = self.counters.get((name, labels), 0.0) + by

    def set(self, name: str, value: float, labels: tuple = ()) -> None:
        with self.lock:
            self.counters[(name, labels)] = value

    def render(self) -> str:
        with self.lock:
            lines = []
            for (name, labels), v in sorted(self.counters.items()):
                lab = "{" + ",".join(f'{k}="{val}"' for k, val in labels) + "}" if labels else ""
                lines.append(f"{name}{lab} {v:g}")
        return "\n".join(lines) + "\n"

    def serve(self, addr: str) -> Any:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        host, _, port = addr.rpartition(":")
        metrics = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:
                body = metrics.render().encode() if self.path.startswith("/metrics") else b"ok\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        srv = ThreadingHTTPServer((host or "0.0.0.0", int(port)), H)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        return srv


def _inventory(opts: Options, cluster: Any) -> Any:
    from kubectl_imagewatch.manifests import inventory

    if opts.from_cluster and cluster is not None:
        return cluster.inventory(opts.namespace, opts.all_namespaces)
    if not opts.paths:
        raise UsageError("give manifest PATHs or --from-cluster")
    return inventory.build(list(opts.paths), opts.default_namespace, markers=False)


def cycle(opts: Options, cluster: Any, log: Logger, metrics: Metrics) -> dict:
    """One pass: scan, select, update/commit/push, write status. Returns a JSON-able report."""
    from kubectl_imagewatch import api
    from kubectl_imagewatch.reflector import simulate as sim
    from kubectl_imagewatch.controller import status

    inv = _inventory(opts, cluster)
    skipped = []
    for o in list(inv.objects):
        if o.kind in (IMAGE_REPOSITORY, IMAGE_POLICY) and o.spec.get("suspend") is True:
            skipped.append(o.ref)
            log(f"{o.kind} suspended: skipped", {"object": o.ref})
    inv.objects = [o for o in inv.objects
                   if not (o.kind in (IMAGE_REPOSITORY, IMAGE_POLICY) and o.spec.get("suspend") is True)]
    provider = api.tag_provider(opts.tags_file, opts.cache_dir, inv)
    results = sim.run(inv, provider)  # type: ignore[arg-type]
    for r in results:
        metrics.inc("imagewatch_policy_reconciles_total", (("result", "ok" if r.ok else "failed"),))
        log("policy " + ("selected" if r.ok else "failed"),
            {"policy": r.policy.ref, "tag": r.selection.tag, "error": r.selection.error.message if r.selection.error else None})
    ropts = automation.RunOptions(dry_run=opts.dry_run, git_urls=opts.git_urls, flux_release=opts.flux_release)
    runs = automation.run_once(inv, results, ropts, log)
    for run in runs:
        metrics.inc("imagewatch_automation_runs_total", (("outcome", run.outcome),))
        if run.outcome == "suspended":
            skipped.append(run.automation.ref)
    metrics.set("imagewatch_last_cycle_timestamp_seconds", time.time())
    if opts.write_status and cluster is not None and not opts.dry_run:
        _write_status(cluster, inv, results, runs, provider, log, status)
    return {"policies": [r.as_dict() for r in results], "automations": [r.as_dict() for r in runs],
            "skipped": skipped}


def _write_status(cluster: Any, inv: Any, results: list, runs: list, provider: Any, log: Logger, status: Any) -> None:
    for repo in inv.of_kind(IMAGE_REPOSITORY):
        tags, err = provider.tags(repo)
        excl = repo.spec.get("exclusionList")
        cluster.patch_status(repo, status.repository_status(list(tags) if tags is not None else None, err,
                                                            str(repo.spec.get("image")), repo.get("metadata", "generation"),
                                                            excl if isinstance(excl, list) else None))
    for r in results:
        prev = (r.policy.get("status") or {}).get("latestRef") if isinstance(r.policy.get("status"), dict) else None
        st = status.policy_status(r, prev, r.policy.get("metadata", "generation"))
        cluster.patch_status(r.policy, st)
        if r.ok and prev and prev.get("tag") != r.selection.tag:
            cluster.event(r.policy, "Succeeded", st["conditions"][0]["message"])
    for run in runs:
        if run.outcome == "suspended":
            continue
        cluster.patch_status(run.automation, status.automation_status(run, run.automation.get("metadata", "generation")))
        if run.outcome == "pushed":
            cluster.event(run.automation, "Succeeded", automation.event_message(run))
        elif run.outcome == "failed":
            cluster.event(run.automation, "GitOperationFailed", run.error or "failed", "Warning")
    log("status written", {"objects": len(results) + len(runs)})


def _period(inv_objs: list) -> float:
    secs = []
    for o in inv_objs:
        if o.kind in (IMAGE_REPOSITORY, IMAGE_UPDATE_AUTOMATION):
            try:
                secs.append(goduration.parse(str(o.spec.get("interval") or "1m")) / 1e9)
            except goduration.DurationError:
                pass
    return max(min(secs) if secs else 60.0, 1.0)


def run(opts: Options, out: Callable[[dict], None], stop: Optional[threading.Event] = None) -> int:
    """Once (exit 0 ok, 1 any failure) or until stopped (SIGTERM/SIGINT end the loop cleanly)."""
    log = Logger(opts.log_format or "text") if (opts.log_format or opts.watch) else Logger("text", _Null())
    metrics = Metrics()
    cluster = None
    if opts.from_cluster or opts.write_status or opts.leader_elect:
        from kubectl_imagewatch.controller.cluster import Cluster

        cluster = Cluster(opts.kubeconfig, opts.context)
    if opts.write_status and cluster is not None and not opts.force:
        found = cluster.flux_image_controllers()
        if found:
            raise UsageError(f"Flux's image controllers are installed ({', '.join(found)}); writing status would "
                             "fight them. Use --force to write anyway.")
    stop = stop or threading.Event()
    if opts.watch:
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                signal.signal(sig, lambda *_: stop.set())
            except ValueError:
                pass  # not the main thread (tests)
    srv = metrics.serve(opts.metrics_addr) if opts.metrics_addr and opts.watch else None
    identity = f"{socket.gethostname()}-{os.getpid()}"
    failed = False
    cycles = 0
    try:
        while True:
            if opts.leader_elect and cluster is not None:
                ns = opts.lease_namespace or cluster.namespace
                if not cluster.acquire_lease(ns, opts.lease_name, identity):
                    log("not the leader; waiting", {"lease": f"{ns}/{opts.lease_name}"})
                    if not opts.watch or stop.wait(10):
                        break
                    continue
            try:
                report = cycle(opts, cluster, log, metrics)
                out(report)
                failed = any(a["outcome"] == "failed" for a in report["automations"]) or \
                    any(p["error"] for p in report["policies"])
            except OperationError as e:
                log("cycle failed", {"error": str(e)})
                metrics.inc("imagewatch_cycle_errors_total")
                if not opts.watch:
                    raise
                failed = True
            cycles += 1
            if not opts.watch or (opts.max_cycles and cycles >= opts.max_cycles):
                break
            try:
                period = _period(_inventory(opts, cluster).objects)
            except Exception:
                period = 60.0
            if stop.wait(period * random.uniform(0.9, 1.1)):
                log("stopping", {})
                break
    finally:
        if srv is not None:
            srv.shutdown()
    return ExitCode.FINDINGS if failed else ExitCode.OK
