"""Benchmark 3: tracking at scale (issue 7).

Many jobs across four adapters finish at random times over minutes of
simulated time. The tracker watches them all; we count the status requests
it sends, measure how late it notices each end (detection latency: true end
-> the tracker's terminal event) and the memory it holds per job, then run a
naive fixed-interval poller over the same jobs, with its interval chosen so
that its p95 latency equals the tracker's, and compare request counts.

Jobs come from an in-process scripted provider read off a FakeClock, so
minutes of simulated time run in seconds and no provider is hammered. The
four job kinds mirror the real adapters: three answer ``total`` and
``processed``; the custom-object-like kind answers ``processed`` only, as
Zuora does, and its total is the one its submission returned (the record
count of the CSV jobadapter uploaded), which the tracker keeps. Every job is
tracked from the Job its submission returned, as ``hub.submit`` gives it.
Progress is uneven (speeding up or slowing down) and counters move in
batches, as real ones do.

Prints one JSON object. ``python bench/tracking_bench.py --help`` for knobs.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

from jobadapter import Event, EventKind, Job, JobStatus, Profile
from jobadapter.clock import FakeClock
from jobadapter.model import Counts
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
    ``share ** exponent`` of the running time, visible in batches, until ``end``."""

    __slots__ = ("batch", "end", "exponent", "has_total", "outcome", "run_at", "total")

    def __init__(
        self,
        run_at: float,
        end: float,
        total: int,
        exponent: float,
        batch: int,
        has_total: bool,
        outcome: JobStatus,
    ) -> None:
        self.run_at = run_at
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
            share = ((t - self.run_at) / (self.end - self.run_at)) ** self.exponent
            status, done = JobStatus.RUNNING, int(self.total * share) // self.batch * self.batch
        return Job(
            adapter=adapter,
            id=job_id,
            status=status,
            native_status=status.name,
            counts=Counts(total, done, done, 0),
        )


def make_jobs(n: int, minutes: float, rng: random.Random) -> list[tuple[str, str, BenchJob]]:
    """``n`` jobs: submitted in the first 30 s, ending uniformly over ``minutes``."""
    out = []
    span = minutes * 60.0
    for i in range(n):
        adapter, _, has_total, _ = KINDS[i % len(KINDS)]
        run_at = rng.uniform(0.0, 30.0)
        end = rng.uniform(run_at + 5.0, 30.0 + span)
        total = rng.randint(100, 50_000)
        outcome = JobStatus.FAILED if rng.random() < 0.05 else JobStatus.SUCCEEDED
        job = BenchJob(
            run_at=run_at,
            end=end,
            total=total,
            exponent=rng.uniform(0.7, 1.4),
            batch=max(1, total // rng.choice((20, 50, 100, 1000))),
            has_total=has_total,
            outcome=outcome,
        )
        out.append((adapter, f"job-{i:06d}", job))
    return out


def submitted(adapter: str, job_id: str, timeline: BenchJob) -> Job:
    """What the job's submission returned: pending, with the total where the
    submitter knows it (the custom-object-like kind: the uploaded CSV's records)."""
    total = timeline.total if adapter in TOTAL_AT_SUBMIT else None
    return Job(
        adapter=adapter,
        id=job_id,
        status=JobStatus.PENDING,
        native_status=JobStatus.PENDING.name,
        counts=Counts(total=total),
    )


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    if not values:
        return math.nan
    rank = max(0, math.ceil(q / 100.0 * len(values)) - 1)
    return values[rank]


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


def run_tracker(jobs: list[tuple[str, str, BenchJob]], args: argparse.Namespace) -> dict[str, Any]:
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
    from jobadapter.hub import Hub

    hub = Hub(
        load_entrypoints=False, plugins=[ScriptedPlugin(classes)], profiles=[profile], clock=clock
    )
    ends = {job_id: timeline.end for _, job_id, timeline in jobs}
    kind_of = {job_id: adapter for adapter, job_id, _ in jobs}
    latency: dict[str, float] = {}
    samples = [0]

    def on_event(event: Event) -> None:
        if (
            event.kind is EventKind.STATUS_CHANGED
            and event.job is not None
            and event.job.is_terminal
        ):
            latency[event.job_id] = event.at.timestamp() - scripted.start - ends[event.job_id]
        samples[0] += 1
        if samples[0] % 2000 == 0:
            peak[0] = max(peak[0], rss_bytes())

    policy = PollPolicy(
        blind_max=args.blind_max, jitter=args.jitter, approach=args.approach, reach=args.reach
    )
    gc.collect()
    base = rss_bytes()
    peak = [base]
    started = time.perf_counter()
    tracker = Tracker(
        hub, workers=args.workers, on_event=on_event, policy=policy, rng=random.Random(args.seed)
    )
    tracker.extend(submitted(adapter, job_id, timeline) for adapter, job_id, timeline in jobs)
    peak[0] = max(peak[0], rss_bytes())
    result = tracker.run()
    wall = time.perf_counter() - started
    peak[0] = max(peak[0], rss_bytes())
    assert len(result.finished) == len(jobs), result
    per_kind: dict[str, dict[str, Any]] = {}
    for name, _, _, _ in KINDS:
        lat = sorted(v for k, v in latency.items() if kind_of[k] == name)
        kind_jobs = [j for j in jobs if j[0] == name]
        p95 = percentile(lat, 95)
        _, naive_requests = naive_latencies(kind_jobs, naive_at_p95(kind_jobs, p95))
        per_kind[name] = {
            "requests_per_job": round(scripted.by_adapter[name] / len(kind_jobs), 2),
            "latency_p50_s": round(percentile(lat, 50), 2),
            "latency_p95_s": round(p95, 2),
            "naive_requests_per_job_at_same_p95": round(naive_requests / len(kind_jobs), 2),
            "requests_ratio": round(scripted.by_adapter[name] / naive_requests, 3),
        }
    with_total = {name for name, _, has_total, _ in KINDS if has_total}
    group = [j for j in jobs if j[0] in with_total]
    lat = sorted(v for k, v in latency.items() if kind_of[k] in with_total)
    requests = sum(scripted.by_adapter[name] for name in with_total)
    _, naive_requests = naive_latencies(group, naive_at_p95(group, percentile(lat, 95)))
    predictable = {
        "jobs": len(group),
        "requests_per_job": round(requests / len(group), 2),
        "latency_p95_s": round(percentile(lat, 95), 2),
        "naive_requests_per_job_at_same_p95": round(naive_requests / len(group), 2),
        "requests_ratio": round(requests / naive_requests, 3),
    }
    values = sorted(latency.values())
    return {
        "requests": scripted.count,
        "requests_per_job": round(scripted.count / len(jobs), 2),
        "latency_p50_s": round(percentile(values, 50), 3),
        "latency_p95_s": round(percentile(values, 95), 3),
        "latency_max_s": round(values[-1], 3),
        "simulated_seconds": round(clock.time() - scripted.start, 1),
        "wall_seconds": round(wall, 2),
        "rss_base_mb": round(base / 2**20, 1),
        "peak_rss_mb": round(peak[0] / 2**20, 1),
        "rss_per_job_bytes": round((peak[0] - base) / len(jobs)),
        "per_kind": per_kind,
        "kinds_with_total": predictable,
    }


def naive_latencies(
    jobs: list[tuple[str, str, BenchJob]], interval: float
) -> tuple[list[float], int]:
    """A fixed-interval poller from t=0: latencies (sorted) and requests, computed exactly."""
    lat = []
    requests = 0
    for _, _, job in jobs:
        polls = math.ceil(job.end / interval)
        lat.append(polls * interval - job.end)
        requests += polls + 1
    lat.sort()
    return lat, requests


def run_naive(jobs: list[tuple[str, str, BenchJob]], interval: float) -> dict[str, Any]:
    """Actually poll every job every ``interval`` through the scripted answers,
    to confirm the exact figures."""
    lat = []
    requests = 0
    for adapter, job_id, job in jobs:
        t = 0.0
        while True:
            requests += 1
            if job.answer(adapter, job_id, t).is_terminal:
                lat.append(t - job.end)
                break
            t += interval
    lat.sort()
    return {
        "interval_s": round(interval, 3),
        "requests": requests,
        "requests_per_job": round(requests / len(jobs), 2),
        "latency_p50_s": round(percentile(lat, 50), 3),
        "latency_p95_s": round(percentile(lat, 95), 3),
    }


def naive_at_p95(jobs: list[tuple[str, str, BenchJob]], target: float) -> float:
    """The fixed interval whose p95 latency equals ``target`` (bisection)."""
    lo, hi = 1e-3, max(1.0, target * 4)
    for _ in range(60):
        mid = (lo + hi) / 2
        lat, _ = naive_latencies(jobs, mid)
        if percentile(lat, 95) > target:
            hi = mid
        else:
            lo = mid
    return lo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
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
    parser.add_argument("--max-in-flight", type=int, default=64)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    jobs = make_jobs(args.jobs, args.minutes, rng)
    tracked = run_tracker(jobs, args)
    interval = naive_at_p95(jobs, tracked["latency_p95_s"])
    naive = run_naive(jobs, interval)
    ratio = tracked["requests"] / naive["requests"]
    report = {
        "benchmark": "tracking",
        "jobs": args.jobs,
        "adapters": [name for name, _, _, _ in KINDS],
        "minutes": args.minutes,
        "settings": {
            "poll_min": args.poll_min,
            "poll_max": args.poll_max,
            "blind_max": args.blind_max,
            "workers": args.workers,
        },
        "tracker": tracked,
        "naive": naive,
        "requests_ratio": round(ratio, 3),
        "targets": {"requests_ratio_max": 0.3, "rss_per_job_bytes_max": 2048},
        "met": {
            "requests_ratio": ratio <= 0.3,
            "rss_per_job": tracked["rss_per_job_bytes"] <= 2048,
        },
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
