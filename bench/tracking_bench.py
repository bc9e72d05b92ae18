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

The parts: ``_tracking_jobs`` (the jobs and the grid), ``_tracker_run`` (one
tracker run), ``_naive_poller`` (the yardstick), ``_tracking_memory`` (bytes per
job); this module runs the cells and prints the figures.

Prints one JSON object. ``python bench/tracking_bench.py --help`` for knobs.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import emit
from _naive_poller import naive_at, naive_at_p95, naive_latencies, run_naive
from _tracker_run import TimedStore, run_tracker
from _tracking_jobs import EXTRA, GRID, KINDS, Cell, make_jobs
from _tracking_memory import rss_per_job
from jobadapter.store import SqliteStore
from jobadapter.tracker import PollPolicy


def run_cell(cell: Cell, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    jobs = make_jobs(args.jobs, args.minutes, random.Random(args.seed), cell)
    path = tmp / f"{cell.name.replace('/', '-')}.sqlite3"
    store = None if args.no_store else TimedStore(SqliteStore(path))
    try:
        tracked = run_tracker(jobs, cell, args, store, phases=args.phases)
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
    parser.add_argument(
        "--phases", action="store_true", help="requests per job by phase of the job's life"
    )
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
    parser.add_argument("--overdue-share", type=float, default=PollPolicy().overdue_share)
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
