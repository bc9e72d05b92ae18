"""The values behind a report's charts (what :mod:`jobadapter.reports.series` computes),
apart from the computing, so the Report value can hold them without importing it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from jobadapter.serialize import format_timestamp

#: Upper edges (seconds) of the duration buckets; the last bucket is open-ended.
DURATION_EDGES = (1.0, 10.0, 60.0, 600.0, 3600.0, 6 * 3600.0)
DURATION_LABELS = ("<1s", "1-10s", "10s-1m", "1-10m", "10m-1h", "1-6h", ">6h")


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
