"""A ``/metrics`` scrape's store-wide figures (open jobs, oldest last sight, duration
histogram): in SQL now, against the decode-every-job pass it replaced.

Fills stores through ``store.observe`` (so every column agrees with its snapshot:
four adapters, each job seen running then ended, 3 % left open, durations from
seconds to a day, from the provider's times or from first sight to the end), then
times, in the same run and interleaved, with client CPU (``thread_time``) and wall:

- ``jobadapter``: ``StoreCollector._scan`` (``store.scrape_figures``: a count and a
  minimum over the partial index of open jobs, one grouped pass over the covering
  report index; no snapshot read);
- ``baseline``: the previous collector's pass: ``store.jobs()`` (every snapshot
  decoded) with the histogram, open count and oldest sight computed in Python.
  This is the code the change replaced, not an expert's independent baseline: an
  expert would write the same SQL, so the figure is a before/after.

The figures are checked equal before timing. A grid of store sizes; one JSON object.

    python bench/scrape_bench.py [--jobs N ...] [--repeat K] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from _common import both_sides, emit, interleaved_cpu
from jobadapter.adapter import provider_of
from jobadapter.metrics.store_collector import DURATION_BUCKETS, StoreCollector
from jobadapter.model import Counts, Job
from jobadapter.reports.series import job_seconds
from jobadapter.status import JobStatus
from jobadapter.store import SqliteStore
from prometheus_client.core import Metric

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
ADAPTERS = ("zuora.mass_updater", "zuora.bulk_job", "zuora.custom_object_job", "zoho.mass_update")


def fill(store: SqliteStore, jobs: int, seed: int = 7) -> dict[str, Any]:
    """``jobs`` jobs, each observed running, then (97 %) ended."""
    rng = random.Random(seed)
    start = time.perf_counter()
    for n in range(jobs):
        seen = NOW - dt.timedelta(seconds=rng.uniform(600, 90 * 86400))
        took = dt.timedelta(seconds=rng.lognormvariate(5, 2))
        dated = rng.random() < 0.7
        job = Job(
            adapter=ADAPTERS[n % len(ADAPTERS)],
            id=f"job-{n}",
            status=JobStatus.RUNNING,
            counts=Counts(total=1000, processed=10),
            started_at=seen if dated else None,
        )
        store.observe(job, observed_at=seen)
        if rng.random() < 0.97:
            ended = attrs.evolve(
                job,
                status=JobStatus.SUCCEEDED,
                counts=Counts(total=1000, processed=1000, succeeded=990, failed=10),
                ended_at=seen + took if dated else None,
            )
            store.observe(ended, observed_at=seen + took)
    return {"jobs": jobs, "fill_seconds": round(time.perf_counter() - start, 1)}


def previous_scan(store: SqliteStore) -> dict[str, Any]:
    """The collector's figures as it computed them before: one decoded pass."""
    groups: dict[tuple[str, str], list[float]] = {}
    stalest, open_jobs = 0.0, 0
    for stored in store.jobs():
        if not stored.job.is_terminal:
            open_jobs += 1
            stalest = max(stalest, (NOW - stored.last_seen).total_seconds())
        seconds = job_seconds(stored)
        if seconds is not None:
            adapter = stored.job.adapter
            groups.setdefault((provider_of(adapter), adapter), []).append(seconds)
    return {
        "open_jobs": open_jobs,
        "stalest": stalest,
        "histogram": {
            key: [sum(v <= edge for v in values) for edge in DURATION_BUCKETS] + [len(values)]
            for key, values in groups.items()
        },
    }


def sql_scan(collector: StoreCollector) -> list[Metric]:
    return list(collector._scan(NOW))


def as_figures(metrics: list[Metric]) -> dict[str, Any]:
    by_name = {m.name: m for m in metrics}
    histogram: dict[tuple[str, str], list[float]] = {}
    for sample in by_name["jobadapter_job_duration_seconds"].samples:
        if sample.name.endswith("_bucket"):
            key = (sample.labels["provider"], sample.labels["adapter"])
            histogram.setdefault(key, []).append(sample.value)
    return {
        "open_jobs": by_name["jobadapter_open_jobs"].samples[0].value,
        "stalest": by_name["jobadapter_open_job_unobserved_seconds"].samples[0].value,
        "histogram": {k: [int(v) for v in values] for k, values in histogram.items()},
    }


def one_size(jobs: int, repeat: int) -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="jobadapter-bench-") as tmp:
        path = Path(tmp) / "bench.sqlite3"
        with SqliteStore(path) as store:
            built = fill(store, jobs)
            collector = StoreCollector(store, clock=lambda: NOW)
            ours, before = as_figures(sql_scan(collector)), previous_scan(store)
            if ours["histogram"] != before["histogram"] or ours["open_jobs"] != before["open_jobs"]:
                raise SystemExit(f"the figures differ:\n{ours}\n{before}")
            times = interleaved_cpu(
                lambda: sql_scan(collector), lambda: previous_scan(store), rounds=repeat, warmup=1
            )
        yield {"store": built, **both_sides(times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per side, interleaved")
    parser.add_argument("--quick", action="store_true", help="2,000 jobs, 2 runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.repeat = [2_000], 2
    grid = [cell for n in args.jobs for cell in one_size(n, args.repeat)]
    emit({"benchmark": "metrics_scrape", "grid": grid})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
