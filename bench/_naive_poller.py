"""The tracking benchmark's yardstick: a naive fixed-interval poller over the same
jobs, its latencies and requests computed exactly, and the interval that matches
a given latency percentile of the tracker's (so requests compare at equal latency).
"""

from __future__ import annotations

import math
import time
from typing import Any

from _common import percentile
from _tracking_jobs import BenchJob


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
