"""Benchmark 3: tracking at scale, on a grid of job shapes, with the store on.

Many jobs across four adapters finish at random times over minutes of
simulated time. The tracker watches them all (store attached: SQLite, WAL);
we count the status requests it sends, measure how late it notices each end
(detection latency: true end -> the tracker's terminal event), its CPU per
poll and the store's per observation, then compare with a naive
fixed-interval poller over the same jobs, its interval chosen so that its p95
latency equals the tracker's: requests at equal p95, and the worst latency
of each.

One cell of the grid is one shape of job, all else equal (same seed):

- ``exponent``: processed rows follow ``share ** exponent`` of the running
  time: 0.3 (fast start, long tail), 1 (steady), 3 (slow start, steep end);
- ``totals``: the provider reports ``total`` (and the custom-object-like kind
  carries the total its submission returned), or nobody knows it;
- ``stall``: the counters stop part way (30-70 % of the running time) and
  the job then finishes all at once.

Jobs come from an in-process scripted provider read off a FakeClock, so
minutes of simulated time run in seconds and no provider is hammered.
Counters move in batches, as real ones do, and 5 % of the jobs fail.
Requests and latencies are counted, not timed: the same on any machine.
A separate run (``--rss-jobs``, 100,000 by default) measures the memory per
tracked job with the store on, after every job has been added and polled once.

Prints one JSON object. ``python bench/tracking_bench.py --help`` for knobs.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import emit, percentile
from jobadapter import Event, EventKind, Job, JobStatus, Profile
from jobadapter.clock import FakeClock
from jobadapter.hub import Hub
from jobadapter.model import Counts
from jobadapter.store import SqliteStore
from jobadapter.testing.scripted import ScriptedJobs, ScriptedPlugin, scripted_adapter
from jobadapter.tracker import PollPolicy, Tracker

#: (adapter name, poll_interval like the real adapter's, answers report a total,
#: the submission's Job carries the total)
KINDS = (
    ("bench.mass_updater", (2.0, 60.0), True, False),
    ("bench.bulk_job", (2.0, 60.0), True, False),
    ("bench.custom_object_job", (2.0, 60.0), False, True),
    ("bench.mass_update", (2.0, 60.0), True, False),
)
#: The kinds whose submission's Job carries the total.
TOTAL_AT_SUBMIT = frozenset(name for name, _, _, known in KINDS if known)


class BenchJob:
    """One job's true life: pending until ``run_at``, then rows processed along
    ``share ** exponent`` of the running time, visible in batches, until ``end``
    (or until ``stall_at``, where the counters stop until the end)."""

    __slots__ = ("batch", "end", "exponent", "has_total", "outcome", "run_at", "stall_at", "total")

    def __init__(
        self,
        run_at: float,
        end: float,
        total: int,
        exponent: float,
        batch: int,
        has_total: bool,
        outcome: JobStatus,
        stall_at: float | None = None,
    ) -> None:
        self.run_at = run_at
        self.stall_at = stall_at
        self.end = end
        self.total = total
        self.exponent = exponent
        self.batch = batch
        self.has_total = has_total
        self.outcome = outcome

    def answer(self, adapter: str, job_id: str, t: float) -> Job:
        total = self.total if self.has_total else None
        if t >= self.end:
            status, done = self.outcome, self.total
        elif t < self.run_at:
            status, done = JobStatus.PENDING, 0
        else:
            t = t if self.stall_at is None else min(t, self.stall_at)
            share = ((t - self.run_at) / (self.end - self.run_at)) ** self.exponent
            status, done = JobStatus.RUNNING, int(self.total * share) // self.batch * self.batch
        return Job(
            adapter=adapter,
            id=job_id,
            status=status,
            native_status=status.name,
            counts=Counts(total, done, done, 0),
        )


class Cell:
    """One shape of job in the grid."""

    def __init__(self, exponent: float, totals: bool, stall: bool, short: bool = False) -> None:
        self.exponent = exponent
        self.totals = totals
        self.stall = stall
        self.short = short

    @property
    def name(self) -> str:
        shape = "stall" if self.stall else f"exp{self.exponent:g}"
        return f"{'short_' if self.short else ''}{shape}/{'totals' if self.totals else 'no_totals'}"


#: The issue's grid (exponent 0.3 / 1 / 3, stall; with and without totals), then
#: cells that look for a weakness it may hide: a flatter and a much steeper curve,
#: and short jobs (5-30 s running) where a poll or two decides the latency.
GRID = [Cell(e, totals, False) for e in (0.3, 1.0, 3.0) for totals in (True, False)] + [
    Cell(1.0, totals, True) for totals in (True, False)
]
EXTRA = [Cell(0.1, True, False), Cell(10.0, True, False)] + [
    Cell(1.0, totals, False, short=True) for totals in (True, False)
]


def make_jobs(
    n: int, minutes: float, rng: random.Random, cell: Cell
) -> list[tuple[str, str, BenchJob]]:
    """``n`` jobs of ``cell``'s shape: submitted in the first 30 s, ending uniformly
    over ``minutes``."""
    out = []
    span = minutes * 60.0
    for i in range(n):
        adapter, _, has_total, _ = KINDS[i % len(KINDS)]
        run_at = rng.uniform(0.0, 30.0)
        end = rng.uniform(run_at + 5.0, run_at + 30.0 if cell.short else 30.0 + span)
        total = rng.randint(100, 50_000)
        outcome = JobStatus.FAILED if rng.random() < 0.05 else JobStatus.SUCCEEDED
        stall = run_at + rng.uniform(0.3, 0.7) * (end - run_at)
        job = BenchJob(
            run_at=run_at,
            end=end,
            total=total,
            exponent=cell.exponent,
            batch=max(1, total // rng.choice((20, 50, 100, 1000))),
            has_total=has_total and cell.totals,
            outcome=outcome,
            stall_at=stall if cell.stall else None,
        )
        out.append((adapter, f"job-{i:06d}", job))
    return out


def submitted(adapter: str, job_id: str, timeline: BenchJob, cell: Cell) -> Job:
    """What the job's submission returned: pending, with the total where the
    submitter knows it (the custom-object-like kind: the uploaded CSV's records)."""
    total = timeline.total if adapter in TOTAL_AT_SUBMIT and cell.totals else None
    return Job(
        adapter=adapter,
        id=job_id,
        status=JobStatus.PENDING,
        native_status=JobStatus.PENDING.name,
        counts=Counts(total=total),
    )


def rss_bytes() -> int:
    """This process's resident set size now (Linux), else its peak so far."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


class TimedStore:
    """The store, with the client CPU its ``observe`` takes added up."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.observations = 0
        self.cpu = 0.0

    def observe(self, *args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return self.store.observe(*args, **kwargs)
        finally:
            self.cpu += time.thread_time() - start
            self.observations += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def tracking_setup(
    jobs: list[tuple[str, str, BenchJob]], args: argparse.Namespace, store: Any
) -> tuple[Any, ScriptedJobs, FakeClock, PollPolicy]:
    clock = FakeClock(start=1_700_000_000.0)
    scripted = ScriptedJobs(clock, record=False)
    for _, job_id, timeline in jobs:
        scripted.add(job_id, timeline)
    classes = [scripted_adapter(name, scripted, poll_interval=pi) for name, pi, _, _ in KINDS]
    profile = Profile(
        name="bench",
        provider="scripted",
        poll_min=args.poll_min,
        poll_max=args.poll_max,
        max_in_flight=args.max_in_flight,
    )
    hub = Hub(
        load_entrypoints=False,
        plugins=[ScriptedPlugin(classes)],
        profiles=[profile],
        clock=clock,
        store=store,
    )
    policy = PollPolicy(
        blind_max=args.blind_max,
        jitter=args.jitter,
        approach=args.approach,
        reach=args.reach,
        stride=args.stride,
        pending_stretch=args.pending_stretch,
    )
    return hub, scripted, clock, policy


def run_tracker(
    jobs: list[tuple[str, str, BenchJob]], cell: Cell, args: argparse.Namespace, store: Any
) -> dict[str, Any]:
    hub, scripted, clock, policy = tracking_setup(jobs, args, store)
    ends = {job_id: timeline.end for _, job_id, timeline in jobs}
    latency: dict[str, float] = {}

    def on_event(event: Event) -> None:
        if (
            event.kind is EventKind.STATUS_CHANGED
            and event.job is not None
            and event.job.is_terminal
        ):
            latency[event.job_id] = event.at.timestamp() - scripted.start - ends[event.job_id]

    tracker = Tracker(
        hub,
        workers=args.workers,
        on_event=on_event,
        policy=policy,
        rng=random.Random(args.seed),
        store=store,
    )
    tracker.extend(submitted(adapter, job_id, timeline, cell) for adapter, job_id, timeline in jobs)
    started, cpu = time.perf_counter(), time.thread_time()
    result = tracker.run()
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - started
    assert len(result.finished) == len(jobs), result
    values = sorted(latency.values())
    return {
        "requests": scripted.count,
        "requests_per_job": round(scripted.count / len(jobs), 2),
        "latency_p50_s": round(percentile(values, 50), 3),
        "latency_p95_s": round(percentile(values, 95), 3),
        "latency_max_s": round(values[-1], 3),
        "simulated_seconds": round(clock.time() - scripted.start, 1),
        "wall_seconds": round(wall, 2),
        # everything the tracker's thread did per poll: scheduling, the scripted
        # answer, observe(), the policy, events, the store
        "client_cpu_per_poll_us": round(cpu / max(1, scripted.count) * 1e6, 1),
    }


def run_cell(cell: Cell, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    jobs = make_jobs(args.jobs, args.minutes, random.Random(args.seed), cell)
    path = tmp / f"{cell.name.replace('/', '-')}.sqlite3"
    store = None if args.no_store else TimedStore(SqliteStore(path))
    try:
        tracked = run_tracker(jobs, cell, args, store)
    finally:
        if store is not None:
            store.close()
    interval = naive_at_p95(jobs, tracked["latency_p95_s"])
    naive = run_naive(jobs, interval)
    worst_interval = naive_at(jobs, tracked["latency_max_s"], 100)
    _, worst_requests = naive_latencies(jobs, worst_interval)
    ratio = tracked["requests"] / naive["requests"]
    worst = tracked["latency_max_s"] / naive["latency_max_s"]
    if store is not None:
        cpu = store.cpu / max(1, store.observations)
        tracked["store_cpu_per_observation_us"] = round(cpu * 1e6, 1)
    return {
        "jobs": len(jobs),
        "tracker": tracked,
        "naive": naive,
        "requests_ratio_at_equal_p95": round(ratio, 3),
        "worst_latency_ratio": round(worst, 3),
        "requests_ratio_at_equal_worst": round(tracked["requests"] / worst_requests, 3),
        "met": {
            "requests": ratio <= (0.5 if cell.totals else 1.0),
            "worst_latency": worst <= 2.0,
        },
    }


def rss_per_job(n: int, cell: Cell, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Memory per tracked job, store on: every job added and polled once (then stop)."""
    jobs = make_jobs(n, args.minutes, random.Random(args.seed), cell)
    store = SqliteStore(tmp / "rss.sqlite3")
    hub, scripted, _, policy = tracking_setup(jobs, args, store)
    gc.collect()
    base = rss_bytes()

    def on_event(event: Event) -> None:
        if scripted.count >= n:
            tracker.stop()  # every job has been polled once

    tracker = Tracker(
        hub, workers=0, policy=policy, rng=random.Random(args.seed), store=store, on_event=on_event
    )
    tracker.extend(submitted(adapter, job_id, timeline, cell) for adapter, job_id, timeline in jobs)
    added = rss_bytes()
    tracker.run()
    peak = max(added, rss_bytes())
    store.close()
    return {
        "jobs": n,
        "polls": scripted.count,
        "rss_base_mb": round(base / 2**20, 1),
        "rss_peak_mb": round(peak / 2**20, 1),
        "rss_per_job_bytes": round((peak - base) / n),
        "target_bytes": 1536,
        "met": (peak - base) / n <= 1536,
    }


def naive_latencies(
    jobs: list[tuple[str, str, BenchJob]], interval: float
) -> tuple[list[float], int]:
    """A fixed-interval poller: latencies (sorted) and requests, computed exactly.
    Its first poll is one interval after submission, as the tracker's is after its
    floor: the submission's own answer already said the job is pending."""
    lat = []
    requests = 0
    for _, _, job in jobs:
        polls = math.ceil(job.end / interval)
        lat.append(polls * interval - job.end)
        requests += polls
    lat.sort()
    return lat, requests


def run_naive(jobs: list[tuple[str, str, BenchJob]], interval: float) -> dict[str, Any]:
    """Actually poll every job every ``interval`` through the scripted answers,
    to confirm the exact figures (and to time a naive poll in the same setting)."""
    lat = []
    requests = 0
    cpu = time.thread_time()
    for adapter, job_id, job in jobs:
        t = interval
        while True:
            requests += 1
            if job.answer(adapter, job_id, t).is_terminal:
                lat.append(t - job.end)
                break
            t += interval
    cpu = time.thread_time() - cpu
    lat.sort()
    return {
        "interval_s": round(interval, 3),
        "requests": requests,
        "requests_per_job": round(requests / len(jobs), 2),
        "latency_p50_s": round(percentile(lat, 50), 3),
        "latency_p95_s": round(percentile(lat, 95), 3),
        "latency_max_s": round(lat[-1], 3),
        # the scripted answer alone: the floor any poller pays here (no store, no policy)
        "client_cpu_per_poll_us": round(cpu / requests * 1e6, 1),
    }


def naive_at(jobs: list[tuple[str, str, BenchJob]], target: float, q: float) -> float:
    """The fixed interval whose ``q``-th percentile latency equals ``target`` (bisection)."""
    lo, hi = 1e-3, max(1.0, target * 4)
    for _ in range(60):
        mid = (lo + hi) / 2
        lat, _ = naive_latencies(jobs, mid)
        if percentile(lat, q) > target:
            hi = mid
        else:
            lo = mid
    return lo


def naive_at_p95(jobs: list[tuple[str, str, BenchJob]], target: float) -> float:
    return naive_at(jobs, target, 95)


#: The memory runs: jobs whose answers carry a total, and jobs without one.
MEMORY_CELLS = ("exp1/totals", "exp1/no_totals")


def memory_run(cell: str, args: argparse.Namespace) -> dict[str, Any]:
    """``rss_per_job`` in a child process of its own."""
    argv = [sys.executable, __file__, "--memory-of", cell, "--rss-jobs", str(args.rss_jobs)]
    argv += ["--seed", str(args.seed), "--minutes", str(args.minutes)]
    result: dict[str, Any] = json.loads(
        subprocess.run(argv, capture_output=True, check=True).stdout
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1_000, help="jobs per cell")
    parser.add_argument("--rss-jobs", type=int, default=100_000, help="jobs in the memory run")
    parser.add_argument("--quick", action="store_true", help="200 jobs per cell, 5,000 for RSS")
    parser.add_argument("--cell", action="append", help="only these cells (e.g. exp3/totals)")
    parser.add_argument("--no-store", action="store_true", help="grid without the store")
    parser.add_argument("--memory-of", help=argparse.SUPPRESS)  # one memory run (a child)
    parser.add_argument("--minutes", type=float, default=5.0, help="span of job ends")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="0: inline (deterministic)")
    parser.add_argument("--poll-min", type=float, default=None)
    parser.add_argument("--poll-max", type=float, default=300.0)
    parser.add_argument(
        "--blind-max", type=float, default=5.0, help="longest wait when the end cannot be predicted"
    )
    parser.add_argument("--jitter", type=float, default=0.1)
    parser.add_argument("--approach", type=float, default=PollPolicy().approach)
    parser.add_argument("--reach", type=float, default=PollPolicy().reach)
    parser.add_argument("--stride", type=float, default=PollPolicy().stride)
    parser.add_argument("--pending-stretch", type=float, default=PollPolicy().pending_stretch)
    parser.add_argument("--max-in-flight", type=int, default=64)
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.rss_jobs = 200, 5_000
    if args.memory_of:
        with tempfile.TemporaryDirectory(prefix="jobadapter-bench-tracking-") as tmp:
            cell = next(c for c in GRID + EXTRA if c.name == args.memory_of)
            print(json.dumps(rss_per_job(args.rss_jobs, cell, args, Path(tmp))))
        return 0
    # Memory first, each in a fresh process (a used heap would hide what a job costs).
    memory = {name: memory_run(name, args) for name in MEMORY_CELLS} if args.rss_jobs else {}
    grid: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="jobadapter-bench-tracking-") as tmp:
        for cell in GRID + EXTRA:
            if not args.cell or cell.name in args.cell:
                grid[cell.name] = run_cell(cell, args, Path(tmp))
    emit(
        {
            "benchmark": "tracking",
            "jobs_per_cell": args.jobs,
            "adapters": [name for name, _, _, _ in KINDS],
            "minutes": args.minutes,
            "settings": {
                "poll_min": args.poll_min,
                "poll_max": args.poll_max,
                "blind_max": args.blind_max,
                "workers": args.workers,
                "store": None if args.no_store else "sqlite (WAL)",
            },
            "grid": grid,
            "extra_cells": [cell.name for cell in EXTRA],  # beyond the grid
            "requests_ratio_worst_cell": max(
                c["requests_ratio_at_equal_p95"] for c in grid.values()
            ),
            "worst_latency_ratio_worst_cell": max(c["worst_latency_ratio"] for c in grid.values()),
            "memory": memory,
            "targets": {
                "requests_ratio_max": "1.0 in every cell; 0.5 where totals are reported",
                "worst_latency_ratio_max": 2.0,
                "rss_per_job_bytes_max": 1536,
            },
            "met": {
                "requests": all(c["met"]["requests"] for c in grid.values()),
                "worst_latency": all(c["met"]["worst_latency"] for c in grid.values()),
                "rss_per_job": all(m["met"] for m in memory.values()) if memory else None,
            },
        }
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
