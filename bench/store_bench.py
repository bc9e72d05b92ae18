"""Benchmark: store cost per observation, SQLite (WAL file) and PostgreSQL (127.0.0.1).

What the tracker pays to keep each answer it gets: ``store.observe(job)``, one
atomic read-modify-write (the stored snapshot read, the state machine
applied, the job row written, a transition row when the status moved).
The workload is what tracking leaves: each job is seen first PENDING, then
RUNNING with growing counts (a third of the polls answer exactly what the
last one did), then SUCCEEDED; jobs interleave round robin.

Against each backend, in the same run and interleaved call by call, the
baseline is the least a durable write of that answer costs through the same
driver: one upsert of the job's row (snapshot and counts) in its own
transaction, nothing read, no history.

SQLite runs twice: as shipped (counter-only observations group-committed,
``group_size`` 64 / 0.1 s) and with ``group_size=1`` (every observation its own
commit, as before), so the gain of grouping is seen apart from the rest.
``timer_commits`` counts groups the timer committed on its own thread during the
timed (per-observation) phase: CPU the caller's ``thread_time`` does not see; 0
means every commit was timed.

Figures per backend, for both sides: wall time per observation (p5/p50/p95),
client CPU per observation (``thread_time``: what the database server does in
its own process is not in it) and the ratios (observe / bare upsert);
observations per second from one thread and from four threads at once
(each on its own jobs).

    python bench/store_bench.py [--quick] [--jobs N] [--steps K]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _common import both_sides, emit, interleaved_cpu, quick_parser
from jobadapter.model import Counts, Job
from jobadapter.status import JobStatus
from jobadapter.store import Store, open_store

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
THREADS = 4

BARE_TABLE = """
CREATE TABLE bare (
    adapter TEXT NOT NULL, job_id TEXT NOT NULL, status TEXT NOT NULL,
    rows_total BIGINT, rows_processed BIGINT, last_seen_us BIGINT NOT NULL,
    snapshot TEXT NOT NULL, UNIQUE (adapter, job_id)
)
"""
BARE_UPSERT = (
    "INSERT INTO bare (adapter, job_id, status, rows_total, rows_processed, last_seen_us, "
    "snapshot) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}) ON CONFLICT (adapter, job_id) DO UPDATE "
    "SET status = excluded.status, rows_total = excluded.rows_total, "
    "rows_processed = excluded.rows_processed, last_seen_us = excluded.last_seen_us, "
    "snapshot = excluded.snapshot"
)


def workload(jobs: int, steps: int, prefix: str = "J") -> list[Job]:
    """Every observation, in the order a tracker would make them."""
    raw = {"status": "Processing", "note": "x" * 200, "nested": {"a": [1, 2, 3]}}
    sequence: list[Job] = []
    for step in range(steps):
        for n in range(jobs):
            if step == 0:
                status, processed = JobStatus.PENDING, 0
            elif step == steps - 1:
                status, processed = JobStatus.SUCCEEDED, 1000
            else:
                status = JobStatus.RUNNING
                # a third of the polls see nothing new
                processed = 1000 * (step - (step % 3 == 0)) // steps
            sequence.append(
                Job(
                    adapter="zuora.bulk_job",
                    id=f"{prefix}{n}",
                    status=status,
                    native_status=status.value,
                    operation="update",
                    target="Account",
                    counts=Counts(total=1000, processed=processed),
                    created_at=T0,
                    raw=raw,
                )
            )
    return sequence


def bare_writer(kind: str, url: str) -> tuple[Callable[[Job], None], Callable[[], None]]:
    """The baseline: one upsert per observation, in its own transaction."""
    from jobadapter.serialize import dumps

    def values(job: Job) -> tuple[Any, ...]:
        return (
            job.adapter,
            job.id,
            job.status.value,
            job.counts.total,
            job.counts.processed,
            int(time.time() * 1e6),
            dumps(job),
        )

    if kind == "sqlite":
        conn = sqlite3.connect(url, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(BARE_TABLE)
        sql = BARE_UPSERT.format(p="?")

        def write_sqlite(job: Job) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(sql, values(job))
            conn.execute("COMMIT")

        return write_sqlite, conn.close
    import psycopg

    pg = psycopg.connect(url, autocommit=True)
    pg.execute(BARE_TABLE)
    pg_sql = BARE_UPSERT.format(p="%s")

    def write_pg(job: Job) -> None:
        with pg.transaction():
            pg.execute(pg_sql, values(job))

    return write_pg, pg.close


def per_observation(
    store: Store, bare: Callable[[Job], None], jobs: int, steps: int
) -> dict[str, Any]:
    ours_seq = iter(workload(jobs, steps, "O"))
    bare_seq = iter(workload(jobs, steps, "B"))
    total = jobs * steps
    warmup = min(50, total // 10)
    times = interleaved_cpu(
        lambda: store.observe(next(ours_seq)),
        lambda: bare(next(bare_seq)),
        rounds=total - warmup,
        warmup=warmup,
    )
    wall = times["jobadapter"]["wall"]
    return {
        "observations": len(wall),
        **both_sides(times),
        "observations_per_s_1_thread": round(len(wall) / sum(wall)),
    }


def threaded_rate(store: Store, jobs: int, steps: int) -> float:
    """Observations per second with THREADS threads, each on its own jobs."""
    sequences = [workload(max(jobs // THREADS, 1), steps, f"T{t}-") for t in range(THREADS)]
    gate = threading.Barrier(THREADS + 1)

    def run(sequence: list[Job]) -> None:
        gate.wait()
        for job in sequence:
            store.observe(job)

    threads = [threading.Thread(target=run, args=(seq,)) for seq in sequences]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return round(sum(map(len, sequences)) / (time.perf_counter() - start))


@contextlib.contextmanager
def locations(kind: str) -> Iterator[tuple[str, str]]:
    """``(store URL, baseline URL)``: a new file pair, or a new PostgreSQL database."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
            yield f"sqlite://{Path(tmp) / 'store.sqlite3'}", str(Path(tmp) / "bare.sqlite3")
        return
    from jobadapter.testing.postgres import fresh_database

    with fresh_database(prefix="jobadapter_bench") as url:
        yield url, url


def measure(kind: str, jobs: int, steps: int, **options: Any) -> dict[str, Any]:
    with locations(kind) as (store_url, bare_url):
        store = open_store(store_url, **options)
        bare, close_bare = bare_writer(kind, bare_url)
        try:
            figures = per_observation(store, bare, jobs, steps)
            # Read before the threaded run: it is the timed phase's figure.
            timed_phase = getattr(store, "timer_commits", None)
            figures[f"observations_per_s_{THREADS}_threads"] = threaded_rate(store, jobs, steps)
            if timed_phase is not None:
                figures["timer_commits"] = timed_phase
        finally:
            close_bare()
            store.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = quick_parser(__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="jobs per run (default 1000)")
    parser.add_argument("--steps", type=int, default=None, help="observations per job (default 10)")
    args = parser.parse_args(argv)
    jobs = args.jobs or (120 if args.quick else 1000)
    steps = args.steps or (6 if args.quick else 10)
    result: dict[str, Any] = {"benchmark": "store", "jobs": jobs, "steps": steps}
    result["sqlite_commit_each"] = measure("sqlite", jobs, steps, group_size=1)
    for kind in ("sqlite", "postgresql"):
        try:
            result[kind] = measure(kind, jobs, steps)
        except Exception as exc:
            if kind == "sqlite":
                raise
            result[kind] = {"error": f"{type(exc).__name__}: {exc}"}
    if "jobadapter" in result["postgresql"]:
        result["postgresql_vs_sqlite_wall_p50"] = round(
            result["postgresql"]["jobadapter"]["wall"]["p50_us"]
            / result["sqlite"]["jobadapter"]["wall"]["p50_us"],
            2,
        )
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
