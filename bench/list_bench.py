"""Benchmark: one page of the dashboard's job list on a 10,000-job store, SQL paging vs decoding every job.

``jobadapter``: ``web.data.job_list(store, {})``, the data of ``/jobs`` and
``/api/jobs`` (page 1, 50 jobs): ``store.job_page`` filters, counts, orders and
cuts in SQL and decodes only the page's snapshots. ``before``: the same page the
way the list was made until now (and the way a caller of the store interface
alone would): every stored job decoded (``store.jobs()``), the report's rule
applied in Python, anomalies counted from ``store.anomalies()``, sorted, cut.
Both sides are checked to list the same jobs, then run interleaved; client CPU
and wall per page. ``overview_series``: the overview's charts (``build_series``)
from chart rows read off the columns vs from every job decoded, the same way.

    python bench/list_bench.py [--quick] [--jobs N]
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import both_sides, emit, interleaved_cpu, quick_parser
from jobadapter.model import Counts, Job
from jobadapter.reports import ReportQuery, make_query
from jobadapter.reports.series import build_series, job_seconds, job_time, selects
from jobadapter.status import JobStatus
from jobadapter.store import SqliteStore
from jobadapter.store.instants import to_us
from jobadapter.store.records import ChartRow, StoredJob
from jobadapter.web.data import PER_PAGE, job_list


def decode_everything(store: SqliteStore) -> list[tuple[StoredJob, int]]:
    """Page 1, newest first, from every stored job decoded in Python."""
    query = make_query()
    counts: dict[tuple[str, str], int] = {}
    for found in store.anomalies():
        key = (found.anomaly.adapter, found.anomaly.job_id)
        counts[key] = counts.get(key, 0) + 1
    chosen = [s for s in store.jobs(status=query.statuses) if selects(query, s)]
    chosen.sort(key=lambda s: (job_time(s), s.key), reverse=True)
    return [(s, counts.get(s.key, 0)) for s in chosen[:PER_PAGE]]


ADAPTERS = ("zuora.mass_updater", "zuora.bulk_job", "zuora.custom_object_job", "zoho.mass_update")
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)


def fill(store: SqliteStore, jobs: int, seed: int = 8) -> None:
    """``jobs`` jobs observed as tracking leaves them (pending, running, then 90 % ended
    with provider times and some failed rows), through ``store.observe``."""
    rng = random.Random(seed)
    for n in range(jobs):
        created = T0 + dt.timedelta(seconds=n)
        ended = created + dt.timedelta(seconds=rng.lognormvariate(5, 1.2))
        final = rng.choices([JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.RUNNING], [8, 1, 1])[
            0
        ]
        failed = rng.choice((0, 0, 0, 3))
        path = [JobStatus.PENDING, JobStatus.RUNNING] + ([final] if final.is_terminal else [])
        for step, status in enumerate(path):
            done = status.is_terminal
            job = Job(
                adapter=ADAPTERS[n % len(ADAPTERS)],
                id=f"J{n:06d}",
                status=status,
                operation="update",
                target="Account",
                counts=Counts(
                    total=100, processed=100 if done else 10, failed=failed if done else None
                ),
                created_at=created,
                started_at=created,
                ended_at=ended if done else None,
                raw={"state": status.value, "note": "x" * 100},
            )
            store.observe(job, observed_at=created + dt.timedelta(seconds=30 * step))


class DecodedRows:
    """The overview charts' rows as they were made until now: every job decoded."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def chart_rows(self, query: ReportQuery) -> list[ChartRow]:
        return [
            ChartRow(
                s.job.adapter,
                to_us(job_time(s)),
                s.job.status,
                s.job.counts.failed,
                None if (seconds := job_seconds(s)) is None else round(seconds * 1e6),
            )
            for s in self.store.jobs()
            if selects(query, s)
        ]


def main(argv: list[str] | None = None) -> int:
    parser = quick_parser(__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="default 10,000")
    args = parser.parse_args(argv)
    jobs = args.jobs or (1_000 if args.quick else 10_000)
    rounds = 4 if args.quick else 10
    with tempfile.TemporaryDirectory(prefix="jobadapter-list-") as tmp:
        path = Path(tmp) / "list.sqlite3"
        store = SqliteStore(path)
        fill(store, jobs)
        try:
            ours = [(s.key, n) for s, n in job_list(store, {}).items]
            theirs = [(s.key, n) for s, n in decode_everything(store)]
            if ours != theirs:
                raise SystemExit("the SQL page and the decoded page list different jobs")
            times = interleaved_cpu(
                lambda: job_list(store, {}),
                lambda: decode_everything(store),
                rounds=rounds,
                warmup=1,
            )
            query, now = make_query(), dt.datetime.now(dt.timezone.utc)
            if build_series(store, query, now=now) != build_series(
                DecodedRows(store), query, now=now
            ):
                raise SystemExit("the overview's series differ")
            charts = interleaved_cpu(
                lambda: build_series(store, query, now=now),
                lambda: build_series(DecodedRows(store), query, now=now),
                rounds=rounds,
                warmup=1,
            )
        finally:
            store.close()
    result: dict[str, Any] = {
        "benchmark": "list",
        "jobs": jobs,
        "per_page": PER_PAGE,
        "rounds_per_side": rounds,
        **both_sides(times),
        # The overview's charts: chart rows read from the columns vs every job decoded.
        "overview_series": both_sides(charts),
    }
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
