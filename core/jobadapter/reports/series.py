"""The figures behind a report's charts: jobs and failures over time, durations per adapter.

Computed from the jobs a :class:`~jobadapter.reports.ReportQuery` selects, through
the store interface (``store.jobs()``), so every backend gives the same series.
A job's time and duration are the ones the report's aggregates use: its
``created_at`` (else first sight) and :func:`job_seconds`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import attrs

from jobadapter.reports.model import ReportQuery
from jobadapter.serialize import format_timestamp
from jobadapter.status import JobStatus
from jobadapter.store.instants import to_us
from jobadapter.store.records import StoredJob
from jobadapter.store.rows import duration_us


class JobSource(Protocol):
    """The one thing the series need of a store: its jobs, filtered as ``Store.jobs``."""

    def jobs(
        self, *, adapter: str | None = ..., status: Iterable[JobStatus] | None = ...
    ) -> list[StoredJob]: ...


#: Upper edges (seconds) of the duration buckets; the last bucket is open-ended.
DURATION_EDGES = (1.0, 10.0, 60.0, 600.0, 3600.0, 6 * 3600.0)
DURATION_LABELS = ("<1s", "1-10s", "10s-1m", "1-10m", "10m-1h", "1-6h", ">6h")

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


def selected_jobs(store: JobSource, query: ReportQuery) -> list[StoredJob]:
    """The stored jobs the query selects, oldest first."""
    single = query.adapters[0] if query.adapters and len(query.adapters) == 1 else None
    return [s for s in store.jobs(adapter=single, status=query.statuses) if selects(query, s)]


@attrs.frozen(slots=True)
class TimeBucket:
    """Jobs created in ``[start, end)``: how many, how many failed, how many had failed rows."""

    start: dt.datetime
    end: dt.datetime
    jobs: int = 0
    failed: int = 0
    with_row_failures: int = 0
    rows_failed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": format_timestamp(self.start),
            "end": format_timestamp(self.end),
            "jobs": self.jobs,
            "failed": self.failed,
            "with_row_failures": self.with_row_failures,
            "rows_failed": self.rows_failed,
        }


@attrs.frozen(slots=True)
class ChartSeries:
    """What the overview's charts draw."""

    timeline: tuple[TimeBucket, ...] = ()
    #: adapter -> job count per duration bucket (``DURATION_LABELS`` order).
    durations: dict[str, tuple[int, ...]] = attrs.field(factory=dict)
    #: Jobs not yet in a terminal status among the selected ones.
    open_jobs: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "timeline": [bucket.to_dict() for bucket in self.timeline],
            "duration_buckets": list(DURATION_LABELS),
            "durations": {adapter: list(counts) for adapter, counts in self.durations.items()},
            "open_jobs": self.open_jobs,
        }


def _step(span: float) -> int:
    """A round bucket width giving about ``TIME_BUCKETS`` buckets over ``span`` seconds."""
    for step in _STEPS:
        if span / step <= TIME_BUCKETS:
            return step
    return math.ceil(span / TIME_BUCKETS / 86400) * 86400


def _timeline(
    jobs: Sequence[StoredJob], query: ReportQuery, now: dt.datetime
) -> tuple[TimeBucket, ...]:
    times = [job_time(s) for s in jobs]
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
    for stored, at in zip(jobs, times, strict=True):
        index = min(count - 1, max(0, int((at - start).total_seconds() // step)))
        cell = cells[index]
        failed_rows = stored.job.counts.failed or 0
        cell[0] += 1
        cell[1] += stored.job.status is JobStatus.FAILED
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


def _durations(jobs: Iterable[StoredJob]) -> dict[str, tuple[int, ...]]:
    counts: dict[str, list[int]] = {}
    for stored in jobs:
        seconds = job_seconds(stored)
        if seconds is None:
            continue
        row = counts.setdefault(stored.job.adapter, [0] * len(DURATION_LABELS))
        row[duration_bucket(seconds)] += 1
    return {adapter: tuple(counts[adapter]) for adapter in sorted(counts)}


def build_series(store: JobSource, query: ReportQuery, *, now: dt.datetime) -> ChartSeries:
    """The chart figures for the jobs ``query`` selects."""
    jobs = selected_jobs(store, query)
    return ChartSeries(
        timeline=_timeline(jobs, query, now),
        durations=_durations(jobs),
        open_jobs=sum(not s.job.is_terminal for s in jobs),
    )
