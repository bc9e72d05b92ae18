"""The fleet-wide figures a metrics scrape reads, computed by the database.

A Prometheus scrape used to decode every stored job (``store.jobs()``) to
count open jobs, find the least recently observed one and bucket durations:
seconds and a snapshot of the whole store in memory at 100k jobs. Here each
figure is one statement over indexed columns, no snapshot is read:

* open jobs and the oldest last sight among them: the partial index
  ``jobs_open_seen`` (``last_seen_us`` of open jobs, migration 5);
* the duration histogram: one grouped pass over the covering index
  ``jobs_report`` (provider, adapter first, then ``duration_us``); a job's
  duration is the ``duration_us`` column, written by
  :func:`jobadapter.store.rows.duration_us`, the definition reports use;
* how far the fleet is behind its schedule: the earliest due time among the
  fleet's unfinished jobs (``fleet_schedule``, index ``(ended, due)``), when
  a fleet keeps its schedule in this database; otherwise unknown.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from jobadapter.store.conn import Conn
from jobadapter.store.dialect import Dialect
from jobadapter.store.rows import OPEN_SQL

#: Migration 5: the oldest last sight among open jobs is the index's first entry
#: (IF NOT EXISTS: a store whose version was set back by hand may hold it already).
OPEN_SEEN_INDEX = (
    f"CREATE INDEX IF NOT EXISTS jobs_open_seen ON jobs (last_seen_us) WHERE {OPEN_SQL}"
)

#: The fleet's schedule table (:mod:`jobadapter.fleet.schedule` owns it; read only here).
_SCHEDULE = "fleet_schedule"
_SCHEDULE_EXISTS = {
    "sqlite": "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
    "postgresql": "SELECT COUNT(to_regclass(?))",
}


@attrs.frozen(slots=True)
class DurationCounts:
    """One (provider, adapter)'s measured durations: cumulative counts per edge."""

    provider: str
    adapter: str
    #: Jobs with a duration <= each edge, in the edges' order.
    at_most: tuple[int, ...]
    count: int
    sum_us: int


@attrs.frozen(slots=True)
class ScrapeFigures:
    """What ``/metrics`` reads of the store beyond the report's figures."""

    open_jobs: int
    #: The least recent ``last_seen`` (µs) among open jobs; None with no open job.
    oldest_open_seen_us: int | None
    durations: tuple[DurationCounts, ...]
    #: The earliest ``due`` (epoch seconds, the fleet's clock) of an unfinished job
    #: in the fleet's schedule; None with none scheduled or no fleet schedule here.
    earliest_due: float | None
    #: Whether this database holds a fleet schedule at all.
    has_schedule: bool


def scrape_figures(conn: Conn, dialect: Dialect, edges_us: Sequence[int]) -> ScrapeFigures:
    """Every :class:`ScrapeFigures` figure, read with ``conn`` (one consistent snapshot)."""
    count, oldest = conn.execute(
        f"SELECT COUNT(*), MIN(last_seen_us) FROM jobs WHERE {OPEN_SQL}"  # noqa: S608
    ).fetchone()
    has_schedule = bool(conn.execute(_SCHEDULE_EXISTS[dialect.name], (_SCHEDULE,)).fetchone()[0])
    earliest = None
    if has_schedule:
        (earliest,) = conn.execute(
            f"SELECT MIN(due) FROM {_SCHEDULE} WHERE ended = 0"  # noqa: S608
        ).fetchone()
    return ScrapeFigures(
        open_jobs=int(count),
        oldest_open_seen_us=None if oldest is None else int(oldest),
        durations=duration_counts(conn, edges_us),
        earliest_due=None if earliest is None else float(earliest),
        has_schedule=has_schedule,
    )


def duration_counts(conn: Conn, edges_us: Sequence[int]) -> tuple[DurationCounts, ...]:
    """Cumulative duration counts per (provider, adapter), in key order."""
    edges = [int(edge) for edge in edges_us]  # literals: the statement is built from numbers
    at_most = "".join(
        f", COALESCE(SUM(CASE WHEN duration_us <= {edge} THEN 1 ELSE 0 END), 0)" for edge in edges
    )
    rows = conn.execute(
        "SELECT provider, adapter, COUNT(*), CAST(SUM(duration_us) AS BIGINT)"  # noqa: S608
        f"{at_most} FROM jobs WHERE duration_us IS NOT NULL "
        "GROUP BY provider, adapter ORDER BY provider, adapter"
    ).fetchall()
    return tuple(
        DurationCounts(
            provider=provider,
            adapter=adapter,
            at_most=tuple(int(n) for n in counts),
            count=int(count),
            sum_us=int(total),
        )
        for provider, adapter, count, total, *counts in rows
    )
