"""The tracking benchmark's memory run: the resident memory each tracked job costs
with the store on, measured after every job has been added and polled once.

Run in a child process of its own (see ``tracking_bench.memory_run``): a heap the
grid has already used would hide what a job costs.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
from pathlib import Path
from typing import Any

from _tracker_run import tracking_setup
from _tracking_jobs import Cell, make_jobs, submitted
from jobadapter import Event
from jobadapter.store import SqliteStore
from jobadapter.tracker import Tracker


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
