"""The figures behind a report's charts: jobs and failures over time, durations per adapter.

Computed from the jobs a :class:`~jobadapter.reports.ReportQuery` selects, through
the store interface (``store.chart_rows()``: the columns, no snapshot decoded), so
every backend gives the same series.
A job's time and duration are the ones the report's aggregates use: its
``created_at`` (else first sight) and :func:`job_seconds`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Protocol

from jobadapter.reports.chart_values import DURATION_EDGES, DURATION_LABELS, ChartSeries, TimeBucket
from jobadapter.reports.model import ReportQuery
from jobadapter.status import JobStatus
from jobadapter.store.instants import from_us, to_us
from jobadapter.store.records import ChartRow, StoredJob
from jobadapter.store.rows import duration_us


class JobSource(Protocol):
    """The one thing the series need of a store: the chart rows a report query selects."""

    def chart_rows(self, query: ReportQuery) -> list[ChartRow]: ...


#: How many time buckets the jobs-over-time chart aims for.
TIME_BUCKETS = 24
_STEPS = (1, 5, 10, 30, 60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400)


def job_time(stored: StoredJob) -> dt.datetime:
    """When a job counts as created for reports: ``created_at``, else first sight."""
    return stored.job.created_at or stored.first_seen


def job_seconds(stored: StoredJob) -> float | None:
    """The job's duration as reports measure it (None while unknown)."""
    micros = duration_us(
        stored.job,
        first_seen=to_us(stored.first_seen),
        terminal_seen=None if stored.terminal_seen is None else to_us(stored.terminal_seen),
    )
    return None if micros is None else micros / 1e6


def selects(query: ReportQuery, stored: StoredJob) -> bool:
    """Whether the report ``query`` counts this job (the same rule the database applies)."""
    job = stored.job
    at = job_time(stored)
    return not (
        (query.since is not None and at < query.since)
        or (query.until is not None and at >= query.until)
        or (query.statuses is not None and job.status not in query.statuses)
        or (query.adapters is not None and job.adapter not in query.adapters)
        or (query.providers is not None and job.adapter.split(".", 1)[0] not in query.providers)
        or (query.profiles is not None and stored.profile not in query.profiles)
    )


def _step(span: float) -> int:
    """A round bucket width giving about ``TIME_BUCKETS`` buckets over ``span`` seconds."""
    for step in _STEPS:
        if span / step <= TIME_BUCKETS:
            return step
    return math.ceil(span / TIME_BUCKETS / 86400) * 86400


def _timeline(
    jobs: Sequence[ChartRow], query: ReportQuery, now: dt.datetime
) -> tuple[TimeBucket, ...]:
    times = [from_us(row.job_time_us) for row in jobs]
    if not times:
        return ()
    first = query.since or min(times)
    # A range the reader chose is drawn whole; otherwise it spans the jobs themselves.
    last = query.until or (max(now, max(times)) if query.since else max(times))
    step = _step(max((last - first).total_seconds(), 1.0))
    origin = to_us(first) // (step * 10**6) * step
    start = dt.datetime.fromtimestamp(origin, dt.timezone.utc)
    count = max(1, math.floor((last - start).total_seconds() / step) + 1)
    cells = [[0, 0, 0, 0] for _ in range(count)]
    for row, at in zip(jobs, times, strict=True):
        index = min(count - 1, max(0, int((at - start).total_seconds() // step)))
        cell = cells[index]
        failed_rows = row.rows_failed or 0
        cell[0] += 1
        cell[1] += row.status is JobStatus.FAILED
        cell[2] += failed_rows > 0
        cell[3] += failed_rows
    width = dt.timedelta(seconds=step)
    return tuple(
        TimeBucket(start + i * width, start + (i + 1) * width, *cell)
        for i, cell in enumerate(cells)
    )


def duration_bucket(seconds: float) -> int:
    """The index in ``DURATION_LABELS`` of a duration."""
    for index, edge in enumerate(DURATION_EDGES):
        if seconds < edge:
            return index
    return len(DURATION_EDGES)


def _durations(jobs: Iterable[ChartRow]) -> dict[str, tuple[int, ...]]:
    counts: dict[str, list[int]] = {}
    for row in jobs:
        if row.duration_us is None:
            continue
        buckets = counts.setdefault(row.adapter, [0] * len(DURATION_LABELS))
        buckets[duration_bucket(row.duration_us / 1e6)] += 1
    return {adapter: tuple(counts[adapter]) for adapter in sorted(counts)}


def build_series(store: JobSource, query: ReportQuery, *, now: dt.datetime) -> ChartSeries:
    """The chart figures for the jobs ``query`` selects (read from their columns)."""
    jobs = store.chart_rows(query)
    return ChartSeries(
        timeline=_timeline(jobs, query, now),
        durations=_durations(jobs),
        open_jobs=sum(not row.status.is_terminal for row in jobs),
    )


__all__ = [
    "DURATION_EDGES",
    "DURATION_LABELS",
    "ChartSeries",
    "JobSource",
    "TimeBucket",
    "build_series",
    "duration_bucket",
    "job_seconds",
    "job_time",
    "selects",
]
