"""`run`: one reconcile pass or a watch loop over manifests or a cluster, with status write-back,
structured logs, Prometheus metrics and Lease-based leader election."""
from __future__ import annotations

import dataclasses
import os
import random
import signal
import socket
import threading
import time
from typing import Any, Callable, Optional, Sequence

from kubectl_imagewatch.automation import loop as automation
from kubectl_imagewatch.controller.observe import Logger, Metrics, Null
from kubectl_imagewatch.golang import duration as goduration
from kubectl_imagewatch.errors import ExitCode, ImagewatchError, UsageError
from kubectl_imagewatch.manifests.model import IMAGE_POLICY, IMAGE_REPOSITORY, IMAGE_UPDATE_AUTOMATION

SUSPENDABLE = (IMAGE_REPOSITORY, IMAGE_POLICY, IMAGE_UPDATE_AUTOMATION)
BACKOFF_START = 5.0  # seconds before the pass after a failed one; doubles per failure ...
BACKOFF_MAX = 300.0  # ... up to this (never longer than the objects' own interval)


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


def _inventory(opts: Options, cluster: Any) -> Any:
    from kubectl_imagewatch.manifests import inventory

    if opts.from_cluster and cluster is not None:
        return cluster.inventory(opts.namespace, opts.all_namespaces)
    if not opts.paths:
        raise UsageError("give manifest PATHs or --from-cluster")
    return inventory.build(list(opts.paths), opts.default_namespace, markers=False)


@dataclasses.dataclass
class Pass:
    """One pass's report (JSON-able) and when the next one is due, from this pass's own objects."""
    report: dict
    period: float


def cycle(opts: Options, cluster: Any, log: Logger, metrics: Metrics) -> Pass:
    """One pass: scan, select, update/commit/push, write status."""
    from kubectl_imagewatch import api
    from kubectl_imagewatch.reflector import simulate as sim
    from kubectl_imagewatch.controller import status

    inv = _inventory(opts, cluster)
    period = _period(inv.objects)
    skipped = []
    for o in inv.objects:  # decided here, once: suspended objects take no part in the pass at all
        if o.kind in SUSPENDABLE and o.spec.get("suspend") is True:
            skipped.append(o.ref)
            log(f"{o.kind} suspended: skipped", {"object": o.ref})
    inv.objects = [o for o in inv.objects if not (o.kind in SUSPENDABLE and o.spec.get("suspend") is True)]
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
    metrics.set("imagewatch_last_cycle_timestamp_seconds", time.time())
    if opts.write_status and cluster is not None and not opts.dry_run:
        _write_status(cluster, inv, results, runs, provider, log, status)
    return Pass({"policies": [r.as_dict() for r in results], "automations": [r.as_dict() for r in runs],
                 "skipped": skipped}, period)


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


def backoff(failures: int, period: float) -> float:
    """The wait after `failures` failed passes in a row: doubling from BACKOFF_START, bounded."""
    return min(BACKOFF_START * 2.0 ** min(failures - 1, 32), BACKOFF_MAX, period)


class _Stopping(BaseException):
    """SIGTERM/SIGINT arrived during a pass: unwind it (every `finally` removes its files), then stop."""


class _Signals:
    """SIGTERM and SIGINT set `stop`; during a pass they also interrupt it, once, so that the
    clones and credential files are removed before the process ends (not left for SIGKILL)."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop, self.in_pass, self.fired = stop, False, False
        self.old: dict = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                self.old[sig] = signal.signal(sig, self._handle)
            except ValueError:
                pass  # not the main thread (tests): signals stay as they are

    def _handle(self, signum: int, frame: Any) -> None:
        self.stop.set()
        if self.in_pass and not self.fired:
            self.fired = True
            raise _Stopping()

    def restore(self) -> None:
        for sig, old in self.old.items():
            signal.signal(sig, old)


def run(opts: Options, out: Callable[[dict], None], stop: Optional[threading.Event] = None) -> int:
    """Once (exit 0 ok, 1 any failure) or until stopped (SIGTERM/SIGINT end the loop cleanly). In
    a watch, a failed pass — whatever the cause — is logged and the loop goes on after a backoff."""
    log = Logger(opts.log_format or "text") if (opts.log_format or opts.watch) else Logger("text", Null())
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
    srv = metrics.serve(opts.metrics_addr) if opts.metrics_addr and opts.watch else None
    signals = _Signals(stop)
    identity = f"{socket.gethostname()}-{os.getpid()}"
    failed = False
    cycles = failures = 0
    period = 60.0
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
                signals.in_pass = True
                done = cycle(opts, cluster, log, metrics)
                signals.in_pass = False
                out(done.report)
                period, failures = done.period, 0
                failed = any(a["outcome"] == "failed" for a in done.report["automations"]) or \
                    any(p["error"] for p in done.report["policies"])
            except _Stopping:
                log("stopping", {"interrupted": "the pass in progress"})
                return ExitCode.OK if opts.watch else ExitCode.INTERRUPTED
            except Exception as e:  # a watch outlives any one bad pass (hostile registry, broken Secret, a bug)
                signals.in_pass = False
                if not opts.watch:
                    raise
                failures += 1
                cycles += 1
                failed = True
                metrics.inc("imagewatch_cycle_errors_total")
                what = str(e) if isinstance(e, ImagewatchError) else f"internal error: {type(e).__name__}: {e}"
                wait = backoff(failures, period)
                log("cycle failed", {"error": what, "failures": failures, "retry_in_seconds": round(wait, 1)}, "error")
                if (opts.max_cycles and cycles >= opts.max_cycles) or stop.wait(wait):
                    log("stopping", {})
                    break
                continue
            finally:
                signals.in_pass = False
            cycles += 1
            if not opts.watch or (opts.max_cycles and cycles >= opts.max_cycles):
                break
            wait = period * random.uniform(0.9, 1.1)
            log("next pass", {"in_seconds": round(wait, 1),
                              "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + wait))})
            if stop.wait(wait):
                log("stopping", {})
                break
    finally:
        signals.restore()
        if srv is not None:
            srv.shutdown()
    return ExitCode.FINDINGS if failed else ExitCode.OK
