"""Copying one store into another (SQLite to PostgreSQL when a fleet takes over).

Rows are matched on what identifies them, never on their numeric ids, so
the copy can go into a store that already holds jobs and can be run again:

- a job by ``(adapter, job_id)``: copied with its whole history (transitions,
  anomalies) when the target does not have it, left alone when it does;
- a submission by ``(adapter, idempotency_key)``;
- a recorded error by ``(adapter, job_id, time, text)``.

A second run copies nothing and says so. Each page of jobs is one write
transaction on the target, so an interrupted copy leaves whole jobs only
and the next run finishes it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import attrs

from jobadapter.store.conn import Conn
from jobadapter.store.durations import add_jobs
from jobadapter.store.report_sums import INPUTS, contribution, record_change
from jobadapter.store.sql_store import SqlStore

#: Every column of ``jobs`` but its key, in one order for reading and writing.
JOB_COLUMNS = (
    "adapter, job_id, provider, operation, target, profile, status, native_status, "
    "rows_total, rows_processed, rows_succeeded, rows_failed, created_us, started_us, "
    "ended_us, updated_us, job_time_us, first_seen_us, last_seen_us, terminal_seen_us, "
    "duration_us, deadline_us, anomaly_count, error_count, snapshot"
)
#: Where (after the source's pk) a job row holds what its duration count is keyed by.
_COUNTED = tuple(
    1 + [c.strip() for c in JOB_COLUMNS.split(",")].index(name)
    for name in ("provider", "adapter", "operation", "duration_us")
)
_SUMMED = tuple(1 + [c.strip() for c in JOB_COLUMNS.split(",")].index(name) for name in INPUTS)
TRANSITION_COLUMNS = (
    "observed_us, old_status, new_status, native_status, rows_total, rows_processed, "
    "rows_succeeded, rows_failed"
)
ANOMALY_COLUMNS = "observed_us, kind, old_status, new_status, detail"
SUBMISSION_COLUMNS = (
    "adapter, profile, idempotency_key, request_summary, state, created_us, completed_us, "
    "job_id, error"
)
ERROR_COLUMNS = "adapter, job_id, at_us, error"


@attrs.define
class Moved:
    """How many rows of one kind were copied, and how many the target already had."""

    copied: int = 0
    present: int = 0

    def add(self, copied: int, present: int) -> None:
        self.copied += copied
        self.present += present


@attrs.define
class CopyCounts:
    """What a copy did, per kind of row (transitions and anomalies come with their jobs)."""

    jobs: Moved = attrs.field(factory=Moved)
    transitions: Moved = attrs.field(factory=Moved)
    anomalies: Moved = attrs.field(factory=Moved)
    submissions: Moved = attrs.field(factory=Moved)
    errors: Moved = attrs.field(factory=Moved)

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {
            name: {"copied": moved.copied, "already_there": moved.present}
            for name, moved in attrs.asdict(self, recurse=False).items()
        }


def _marks(columns: str) -> str:
    return ", ".join("?" * len(columns.split(",")))


def _page(source: SqlStore, sql: str, after: int, size: int) -> list[Any]:
    return source._read(lambda conn: conn.execute(sql, (after, size)).fetchall())


def copy_store(
    source: SqlStore,
    target: SqlStore,
    *,
    page_size: int = 500,
    progress: Callable[[CopyCounts], None] | None = None,
) -> CopyCounts:
    """Copy every job, submission and error of ``source`` that ``target`` lacks."""
    counts = CopyCounts()
    _copy_jobs(source, target, counts, page_size, progress)
    _copy_keyed(
        source,
        target,
        f"SELECT id, {SUBMISSION_COLUMNS} FROM submissions WHERE id > ? ORDER BY id LIMIT ?",  # noqa: S608
        f"INSERT INTO submissions ({SUBMISSION_COLUMNS}) VALUES ({_marks(SUBMISSION_COLUMNS)}) "  # noqa: S608
        "ON CONFLICT (adapter, idempotency_key) DO NOTHING",
        counts.submissions,
        page_size,
    )
    _copy_keyed(
        source,
        target,
        f"SELECT id, {ERROR_COLUMNS} FROM errors WHERE id > ? ORDER BY id LIMIT ?",  # noqa: S608
        f"INSERT INTO errors ({ERROR_COLUMNS}) SELECT {_marks(ERROR_COLUMNS)} "  # noqa: S608
        "WHERE NOT EXISTS (SELECT 1 FROM errors WHERE adapter = ? AND job_id = ? "
        "AND at_us = ? AND error = ?)",
        counts.errors,
        page_size,
        repeat_params=True,
    )
    if progress is not None:
        progress(counts)
    return counts


def _copy_jobs(
    source: SqlStore,
    target: SqlStore,
    counts: CopyCounts,
    page_size: int,
    progress: Callable[[CopyCounts], None] | None,
) -> None:
    after = 0
    while True:
        page = _page(
            source,
            f"SELECT pk, {JOB_COLUMNS} FROM jobs WHERE pk > ? ORDER BY pk LIMIT ?",  # noqa: S608
            after,
            page_size,
        )
        if not page:
            return
        after = int(page[-1][0])
        history = source._read(functools.partial(_history, pks=[row[0] for row in page]))
        result = target._write(functools.partial(_insert_jobs, rows=page, history=history))
        counts.jobs.add(result[0], len(page) - result[0])
        counts.transitions.add(result[1], result[2])
        counts.anomalies.add(result[3], result[4])
        if progress is not None:
            progress(counts)


def _history(conn: Conn, pks: list[int]) -> dict[int, tuple[list[Any], list[Any]]]:
    """Each job's transitions and anomalies, in the order they were recorded."""
    marks = ", ".join("?" * len(pks))
    found: dict[int, tuple[list[Any], list[Any]]] = {pk: ([], []) for pk in pks}
    for row in conn.execute(
        f"SELECT job_pk, {TRANSITION_COLUMNS} FROM transitions "  # noqa: S608
        f"WHERE job_pk IN ({marks}) ORDER BY id",
        pks,
    ).fetchall():
        found[row[0]][0].append(row[1:])
    for row in conn.execute(
        f"SELECT job_pk, {ANOMALY_COLUMNS} FROM anomalies "  # noqa: S608
        f"WHERE job_pk IN ({marks}) ORDER BY id",
        pks,
    ).fetchall():
        found[row[0]][1].append(row[1:])
    return found


def _insert_jobs(
    conn: Conn, rows: list[Any], history: dict[int, tuple[list[Any], list[Any]]]
) -> tuple[int, int, int, int, int]:
    """``(jobs copied, transitions copied, skipped, anomalies copied, skipped)``."""
    jobs = transitions = skipped_t = anomalies = skipped_a = 0
    for row in rows:
        moves, oddities = history[row[0]]
        inserted = conn.execute(
            f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES ({_marks(JOB_COLUMNS)}) "  # noqa: S608
            "ON CONFLICT (adapter, job_id) DO NOTHING RETURNING pk",
            row[1:],
        ).fetchone()
        if inserted is None:  # the target has this job: its history is the target's
            skipped_t += len(moves)
            skipped_a += len(oddities)
            continue
        pk = int(inserted[0])
        jobs += 1
        add_jobs(conn, [tuple(row[i] for i in _COUNTED)])
        provider, adapter, operation = (row[i] for i in _COUNTED[:3])
        figures = contribution([row[i] for i in _SUMMED])
        record_change(conn, provider, adapter, (None, None), (operation, figures))
        if moves:
            conn.executemany(
                f"INSERT INTO transitions (job_pk, {TRANSITION_COLUMNS}) "  # noqa: S608
                f"VALUES (?, {_marks(TRANSITION_COLUMNS)})",
                [(pk, *move) for move in moves],
            )
        if oddities:
            conn.executemany(
                f"INSERT INTO anomalies (job_pk, {ANOMALY_COLUMNS}) "  # noqa: S608
                f"VALUES (?, {_marks(ANOMALY_COLUMNS)})",
                [(pk, *oddity) for oddity in oddities],
            )
        transitions += len(moves)
        anomalies += len(oddities)
    return jobs, transitions, skipped_t, anomalies, skipped_a


def _copy_keyed(
    source: SqlStore,
    target: SqlStore,
    select: str,
    insert: str,
    moved: Moved,
    page_size: int,
    *,
    repeat_params: bool = False,
) -> None:
    """Rows that carry their own identity: insert each unless the target has it."""
    after = 0
    while True:
        page = _page(source, select, after, page_size)
        if not page:
            return
        after = int(page[-1][0])

        def insert_page(conn: Conn, rows: list[Any] = page) -> int:
            copied = 0
            for row in rows:
                values = tuple(row[1:])
                copied += conn.execute(insert, values * 2 if repeat_params else values).rowcount
            return copied

        copied = target._write(insert_page)
        moved.add(copied, len(page) - copied)
