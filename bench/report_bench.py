"""Benchmark 6: ``report --format json`` over 1,000,000 stored transitions vs hand-written SQL.

Builds a store the way months of tracking would leave it (four adapters,
mixed outcomes, row failures under SUCCEEDED, a few anomalies) directly with
``executemany`` in one transaction, then times, in the same run:

- ``jobadapter``: ``jobadapter.reports.report(store, "json")``: query, Report
  value and JSON text, everything ``jobadapter report --format json`` does
  after opening the store;
- ``baseline``: the same figures (per provider/adapter/operation and in
  total) written by hand as a competent programmer would: one grouped scan,
  the total summed from the groups in Python, and each p50/p95 read off an
  index with ``ORDER BY duration_us LIMIT 1 OFFSET rank - 1`` (the same
  indexes the store reads);
The store keeps, as jobs change, each report group's figures over its ended
jobs (``report_sums``) and its duration counts per bucket (``duration_buckets``);
both are filled here as migrations 3 and 4 fill an existing store. So the report
scans only the open jobs, reads maxima off an index, and seeks each p50/p95 to
the rank's bucket. The baseline has only the indexes, as a hand-written query
over the same table would.

- ``store_aggregate``: the store's own statements alone, to show what the
  Report value and JSON rendering add (``overhead_vs_own_sql``).

Both read the same file and its indexes; the figures are checked equal
before timing. The two sides run interleaved (ours, baseline, baseline,
ours, ...), each timed in wall and client CPU. Prints one JSON object;
``wall_ratio`` is median jobadapter / median baseline (target <= 0.5).

    python bench/report_bench.py [--transitions N] [--repeat K] [--quick] [--keep PATH]
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import both_sides, emit, interleaved_cpu
from jobadapter.reports import build_report, make_query, report
from jobadapter.store import SqliteStore, durations, report_sums

TARGET = 0.5

T0_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z

ADAPTERS = (
    ("zuora.mass_updater", ("update", "delete")),
    ("zuora.bulk_job", ("query",)),
    ("zuora.custom_object_job", ("create", "update", "delete")),
    ("zoho.mass_update", ("update",)),
)
PROFILES = ("tenant-a", "tenant-b", "tenant-c")

# (final status, share of jobs, status path from first sight)
OUTCOMES = (
    ("succeeded", 0.80, ("pending", "running", "succeeded")),
    ("failed", 0.08, ("pending", "running", "failed")),
    ("cancelled", 0.04, ("pending", "running", "cancelling", "cancelled")),
    ("running", 0.05, ("pending", "running")),
    ("pending", 0.03, ("pending",)),
)

JOB_COLUMNS = (
    "pk, adapter, job_id, provider, operation, target, profile, status, native_status, "
    "rows_total, rows_processed, rows_succeeded, rows_failed, created_us, started_us, ended_us, "
    "updated_us, job_time_us, first_seen_us, last_seen_us, terminal_seen_us, duration_us, "
    "anomaly_count, error_count, snapshot"
)
JOB_SQL = f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES ({', '.join('?' * 25)})"
TRANSITION_SQL = """INSERT INTO transitions (job_pk, observed_us, old_status, new_status,
    native_status, rows_total, rows_processed, rows_succeeded, rows_failed)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""
ANOMALY_SQL = """INSERT INTO anomalies (job_pk, observed_us, kind, old_status, new_status, detail)
    VALUES (?, ?, 'backward_move', ?, 'pending', 'observed pending after running')"""


def _rows(target: int, seed: int) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]], bool]]:
    """Job rows with their transitions (and whether to add an anomaly) until ``target``."""
    rng = random.Random(seed)
    weights = [share for _, share, _ in OUTCOMES]
    made = 0
    pk = 0
    while made < target:
        pk += 1
        path: tuple[str, ...] = rng.choices(OUTCOMES, weights)[0][2]
        path = path[: min(len(path), target - made)]
        status = path[-1]
        adapter, operations = ADAPTERS[pk % len(ADAPTERS)]
        operation = operations[rng.randrange(len(operations))]
        total = rng.randint(1, 50_000)
        terminal = status in ("succeeded", "failed", "cancelled")
        failed = rng.randint(1, max(1, total // 20)) if terminal and rng.random() < 0.15 else 0
        processed = total if terminal else rng.randint(0, total)
        succeeded = processed - min(failed, processed) if terminal else None
        created = T0_US + rng.randint(0, 90 * 86_400) * 1_000_000
        started = created + rng.randint(1, 600) * 1_000_000
        ended = started + int(rng.lognormvariate(5, 1.2) * 1_000_000) if terminal else None
        seen = [created + i * 30_000_000 for i in range(len(path))]
        # Zoho's answers carry no timestamps: its durations are the observed ones.
        timed_by_provider = adapter != "zoho.mass_update"
        if not terminal:
            duration = None
        elif timed_by_provider:
            duration = ended - started  # type: ignore[operator]
        else:
            duration = seen[-1] - seen[0]
        anomaly = rng.random() < 0.01 and len(path) > 1
        job_id = f"{adapter[:4]}-{pk:08d}"
        snapshot = (
            f'{{"adapter":"{adapter}","counts":{{"failed":{failed if terminal else "null"},'
            f'"processed":{processed},"succeeded":{"null" if succeeded is None else succeeded},'
            f'"total":{total}}},"id":"{job_id}","operation":"{operation}",'
            f'"status":"{status}","target":"Account"}}'
        )
        job = (
            pk, adapter, job_id, adapter.split(".")[0], operation, "Account",
            PROFILES[pk % len(PROFILES)], status, status.upper(), total, processed, succeeded,
            failed if terminal else None,
            created if timed_by_provider else None,
            started if timed_by_provider else None,
            ended if timed_by_provider else None,
            seen[-1], created if timed_by_provider else seen[0], seen[0], seen[-1],
            seen[-1] if terminal else None, duration, int(anomaly), 0, snapshot,
        )  # fmt: skip
        transitions = [
            (pk, seen[i], path[i - 1] if i else None, path[i], path[i].upper(), total,
             processed if i == len(path) - 1 else 0, succeeded, failed if terminal else None)
            for i in range(len(path))
        ]  # fmt: skip
        made += len(transitions)
        yield job, transitions, anomaly


def build_store(path: Path, transitions: int, seed: int = 6) -> dict[str, Any]:
    """The schema through SqliteStore; the rows in one transaction, indexes built after."""
    SqliteStore(path).close()
    start = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    jobs: list[tuple[Any, ...]] = []
    moves: list[tuple[Any, ...]] = []
    anomalies: list[tuple[Any, ...]] = []
    counts = {"jobs": 0, "transitions": 0, "anomalies": 0}

    def flush() -> None:
        conn.executemany(JOB_SQL, jobs)
        conn.executemany(TRANSITION_SQL, moves)
        conn.executemany(ANOMALY_SQL, anomalies)
        counts["jobs"] += len(jobs)
        counts["transitions"] += len(moves)
        counts["anomalies"] += len(anomalies)
        jobs.clear()
        moves.clear()
        anomalies.clear()

    for job, job_moves, anomaly in _rows(transitions, seed):
        jobs.append(job)
        moves.extend(job_moves)
        if anomaly:
            anomalies.append((job[0], job_moves[-1][1], job_moves[-1][3]))
        if len(moves) >= 100_000:
            flush()
    flush()
    loaded = time.perf_counter()
    for _, sql in indexes:
        conn.execute(sql)
    # What migrations 3 and 4 do for a store that has jobs: count their durations
    # per group and bucket, sum the figures of ended jobs per group (observe()
    # keeps both as jobs change).
    for kept in (durations, report_sums):
        conn.execute(f"DELETE FROM {kept.TABLE.split()[2]}")
        conn.execute(kept.BACKFILL)
    conn.execute("COMMIT")
    indexed = time.perf_counter()
    conn.execute("PRAGMA analysis_limit = 1000")  # what SqliteStore.close() leaves behind
    conn.execute("ANALYZE")
    conn.close()
    figures: dict[str, Any] = dict(counts)
    figures["build_seconds"] = round(time.perf_counter() - start, 3)
    figures["build_rows_seconds"] = round(loaded - start, 3)
    figures["build_indexes_seconds"] = round(indexed - loaded, 3)
    figures["file_mb"] = round(path.stat().st_size / 1e6, 1)
    return figures


KEYS = "provider, adapter, operation"
STATUSES = ("pending", "running", "cancelling", "succeeded", "failed", "cancelled", "unknown")

#: By hand, one grouped scan: counts, sums and maxima per group (the total is
#: summed from the groups in Python, as a competent hand-written report would).
FIGURES = """
SELECT {keys}, COUNT(*), {statuses},
    TOTAL(rows_total), TOTAL(COALESCE(rows_processed, rows_succeeded + rows_failed,
                                      rows_succeeded, rows_failed)),
    TOTAL(rows_succeeded), TOTAL(rows_failed),
    TOTAL(rows_failed > 0), TOTAL(status = 'succeeded' AND rows_failed > 0),
    COUNT(duration_us), MAX(duration_us), TOTAL(anomaly_count), TOTAL(error_count),
    TOTAL(CASE WHEN rows_failed IS NOT NULL THEN COALESCE(rows_processed,
        rows_succeeded + rows_failed, rows_succeeded, rows_failed) END)
FROM jobs GROUP BY {keys} ORDER BY {keys}
"""
#: By hand: the duration at a nearest rank, read off an index (the same index the
#: report uses: ``jobs_report`` per group, ``jobs_duration`` for the total).
GROUP_RANK = """SELECT duration_us FROM jobs
    WHERE provider = ? AND adapter = ? AND operation = ? AND duration_us IS NOT NULL
    ORDER BY duration_us LIMIT 1 OFFSET ?"""
TOTAL_RANK = """SELECT duration_us FROM jobs WHERE duration_us IS NOT NULL
    ORDER BY duration_us LIMIT 1 OFFSET ?"""
MEASURED = 3 + 1 + len(STATUSES) + 6  # COUNT(duration_us) in a FIGURES row


def _ranks(n: int) -> tuple[int, int]:
    """Nearest-rank offsets of p50 and p95 among ``n`` values."""
    return math.ceil(0.5 * n) - 1, math.ceil(0.95 * n) - 1


def baseline(conn: sqlite3.Connection) -> dict[str, Any]:
    """The figures by hand: one grouped scan, two index lookups per percentile group."""
    statuses = ", ".join(f"TOTAL(status = '{s}')" for s in STATUSES)
    groups = conn.execute(FIGURES.format(keys=KEYS, statuses=statuses)).fetchall()
    group_percentiles = []
    for row in groups:
        n = row[MEASURED]
        group_percentiles.append(
            (
                *row[:3],
                *(
                    conn.execute(GROUP_RANK, (*row[:3], offset)).fetchone()[0] / 1e6
                    for offset in _ranks(n)
                ),
            )
        )
    columns = list(zip(*(row[3:] for row in groups), strict=True))
    total = [sum(c) for c in columns]
    total[MEASURED - 2] = max(c for c in columns[MEASURED - 2] if c is not None)
    total_percentiles = tuple(
        conn.execute(TOTAL_RANK, (offset,)).fetchone()[0] / 1e6
        for offset in _ranks(int(total[MEASURED - 3]))
    )
    return {
        "groups": [
            (*row[: MEASURED + 1], row[MEASURED + 1] / 1e6, *row[MEASURED + 2 :]) for row in groups
        ],
        "group_percentiles": group_percentiles,
        "total": total,
        "total_percentiles": total_percentiles,
    }


def _same(ours: object, theirs: object, what: str) -> None:
    if ours != theirs:
        raise SystemExit(f"report and hand-written SQL disagree on {what}: {ours!r} != {theirs!r}")


def check_agreement(store: SqliteStore, conn: sqlite3.Connection) -> None:
    """Both sides compute the same figures (else the timing compares nothing)."""
    rep = build_report(store)
    hand = baseline(conn)
    _same(len(rep.groups), len(hand["groups"]), "the number of groups")
    for row, pct, group in zip(hand["groups"], hand["group_percentiles"], rep.groups, strict=True):
        _same(tuple(group.key.values()), tuple(row[:3]), "group keys")
        _same(tuple(group.key.values()), tuple(pct[:3]), "percentile group keys")
        figures = (
            group.jobs,
            group.rows.failed,
            group.succeeded_with_row_failures,
            group.rows.processed_reporting_failures,
        )
        _same(figures, (row[3], row[14], row[16], row[21]), f"figures of {row[:3]}")
        durations = (group.duration.p50, group.duration.p95, group.duration.max)
        _same(durations, (pct[3], pct[4], row[18]), f"durations of {row[:3]}")
    _same(rep.total.jobs, hand["total"][0], "the total")
    total = (rep.total.duration.p50, rep.total.duration.p95)
    _same(total, tuple(hand["total_percentiles"]), "the total percentiles")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transitions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs per side, interleaved")
    parser.add_argument("--quick", action="store_true", help="50,000 transitions, 2 runs")
    parser.add_argument("--keep", type=Path, help="build the store here (overwritten) and keep it")
    args = parser.parse_args(argv)
    if args.quick:
        args.transitions, args.repeat = 50_000, 2

    with tempfile.TemporaryDirectory(prefix="jobadapter-bench-") as tmp:
        path = args.keep or Path(tmp) / "bench.sqlite3"
        if path.exists():
            path.unlink()
        built = build_store(path, args.transitions)
        store = SqliteStore(path)
        conn = sqlite3.connect(path)
        try:
            check_agreement(store, conn)
            query = make_query()
            times = interleaved_cpu(
                lambda: report(store, "json"),
                lambda: baseline(conn),
                rounds=args.repeat,
                warmup=1,  # the page cache and the statement caches
            )
            own = interleaved_cpu(
                lambda: report(store, "json"),
                lambda: store.aggregate(query),
                rounds=max(1, args.repeat // 2),
                warmup=0,
            )
        finally:
            conn.close()
            store.close()
    figures = both_sides(times)
    emit(
        {
            "benchmark": "report",
            **built,
            "runs_per_side": args.repeat,
            **figures,
            "jobadapter_runs_s": [round(t, 4) for t in times["jobadapter"]["wall"]],
            "baseline_runs_s": [round(t, 4) for t in times["baseline"]["wall"]],
            # The store's own statements alone: what the Report value and JSON add.
            "store_aggregate_p50_us": round(statistics.median(own["baseline"]["wall"]) * 1e6),
            "overhead_vs_own_sql": round(
                statistics.median(own["jobadapter"]["wall"])
                / statistics.median(own["baseline"]["wall"]),
                3,
            ),
            "target_ratio": TARGET,
            "met": figures["wall_ratio"] <= TARGET,
            "sqlite": sqlite3.sqlite_version,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
