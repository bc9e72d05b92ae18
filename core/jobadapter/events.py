"""What the tracker tells hooks and callbacks as jobs move."""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from jobadapter.model import Job
from jobadapter.observe import Anomaly


class EventKind(enum.Enum):
    SUBMITTED = "submitted"
    STATUS_CHANGED = "status_changed"
    PROGRESS = "progress"
    ANOMALY = "anomaly"
    DEADLINE = "deadline"
    ERROR = "error"


@attrs.frozen(slots=True)
class Event:
    """One thing that happened to one job."""

    kind: EventKind
    adapter: str
    job_id: str
    at: dt.datetime
    job: Job | None = None
    previous: Job | None = None
    anomaly: Anomaly | None = None
    error: BaseException | None = attrs.field(default=None, eq=False)
    profile: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.adapter, self.job_id)

    def describe(self) -> str:
        head = f"{self.adapter} {self.job_id}"
        if self.kind is EventKind.ANOMALY and self.anomaly is not None:
            return f"{head}: anomaly: {self.anomaly.detail}"
        if self.kind is EventKind.ERROR:
            return f"{head}: error: {self.error}"
        if self.job is not None:
            c = self.job.counts
            counts = f" {c.processed or 0}/{c.total}" if c.total is not None else ""
            return f"{head}: {self.kind.value}: {self.job.status.value}{counts}"
        return f"{head}: {self.kind.value}"
