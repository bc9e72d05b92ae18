"""The report's query and figures as plain values: what to report on
(:class:`ReportQuery`) and the figures of one group (:class:`ReportGroup`,
:class:`RowTotals`, :class:`DurationStats`).

Both layers need them: the store (:mod:`jobadapter.store`) computes the figures
in SQL, and :mod:`jobadapter.reports` builds and renders the report around them.
They live here, owned by neither, so the two layers do not import each other.
:mod:`jobadapter.reports.model` re-exports every name (the public import); the
report's keys are documented there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from jobadapter.serialize import format_timestamp
from jobadapter.status import JobStatus

#: Columns a report can be grouped by, in their display order.
GROUP_KEYS = ("provider", "adapter", "operation", "profile", "target")
DEFAULT_GROUP_BY = ("provider", "adapter", "operation")

#: Status names in the state machine's order (every group lists each one).
STATUS_NAMES = tuple(s.value for s in JobStatus)


@attrs.frozen(slots=True)
class ReportQuery:
    """What to report on: the grouping and the filters (all optional).

    ``since``/``until`` select jobs by their ``created_at`` (when the provider
    does not say, the time the job was first seen): ``since <= t < until``.
    """

    group_by: tuple[str, ...] = DEFAULT_GROUP_BY
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    statuses: tuple[JobStatus, ...] | None = None
    adapters: tuple[str, ...] | None = None
    providers: tuple[str, ...] | None = None
    profiles: tuple[str, ...] | None = None

    def filters_dict(self) -> dict[str, Any]:
        """The filters as JSON-safe values (None when not filtered)."""

        def names(values: tuple[str, ...] | None) -> list[str] | None:
            return None if values is None else list(values)

        return {
            "since": None if self.since is None else format_timestamp(self.since),
            "until": None if self.until is None else format_timestamp(self.until),
            "status": None if self.statuses is None else [s.value for s in self.statuses],
            "adapter": names(self.adapters),
            "provider": names(self.providers),
            "profile": names(self.profiles),
        }


@attrs.frozen(slots=True)
class RowTotals:
    """Row counters summed over the jobs that report them."""

    total: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    #: Rows processed by the jobs that report a failed count: the failure rate's base.
    processed_reporting_failures: int = 0


@attrs.frozen(slots=True)
class DurationStats:
    """Job durations in seconds; None when no job in the group was measured."""

    count: int = 0
    p50: float | None = None
    p95: float | None = None
    max: float | None = None


def _statuses(value: Mapping[str, int]) -> dict[str, int]:
    unknown = set(value) - set(STATUS_NAMES)
    if unknown:
        raise ValueError(f"unknown status names in a report group: {sorted(unknown)}")
    return {name: int(value.get(name, 0)) for name in STATUS_NAMES}


@attrs.frozen(slots=True)
class ReportGroup:
    """The figures for one group (or for the whole report when ``key`` is empty)."""

    key: Mapping[str, str | None] = attrs.field(factory=dict, converter=dict, hash=False)
    jobs: int = 0
    statuses: Mapping[str, int] = attrs.field(factory=dict, converter=_statuses, hash=False)
    rows: RowTotals = attrs.field(factory=RowTotals)
    jobs_with_row_failures: int = 0
    succeeded_with_row_failures: int = 0
    duration: DurationStats = attrs.field(factory=DurationStats)
    anomalies: int = 0
    errors: int = 0

    @property
    def failure_rate(self) -> float | None:
        """Failed rows over the rows processed by jobs that report failures (None if none)."""
        if not self.rows.processed_reporting_failures:
            return None
        return self.rows.failed / self.rows.processed_reporting_failures

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.key)
        data.update(
            jobs=self.jobs,
            statuses=dict(self.statuses),
            rows=attrs.asdict(self.rows),
            failure_rate=self.failure_rate,
            jobs_with_row_failures=self.jobs_with_row_failures,
            succeeded_with_row_failures=self.succeeded_with_row_failures,
            duration_seconds=attrs.asdict(self.duration),
            anomalies=self.anomalies,
            errors=self.errors,
        )
        return data
