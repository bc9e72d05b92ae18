"""The values a store hands back: what was seen, when, and what was sent.

Plain frozen attrs classes, so any store implementation (SQLite, a server
database) returns the same shapes and callers never see rows or cursors.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

import attrs

from jobadapter.model import Counts, Job
from jobadapter.observe import Anomaly
from jobadapter.status import JobStatus


@attrs.frozen(slots=True)
class StoredJob:
    """A job's latest kept snapshot plus what the store knows around it.

    ``deadline`` is the absolute instant a watch of this job gives up, so a
    watch resumed in another process keeps the same deadline.
    """

    job: Job
    profile: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    deadline: dt.datetime | None = None
    terminal_seen: dt.datetime | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.job.key


@attrs.frozen(slots=True)
class StoredJobPage:
    """One page of the stored jobs a filter selects, newest first.

    ``anomalies`` holds each listed job's anomaly count, in order; ``total`` and
    ``open_jobs`` count every selected job, not only the page.
    """

    jobs: tuple[StoredJob, ...]
    anomalies: tuple[int, ...]
    total: int
    open_jobs: int


@attrs.frozen(slots=True)
class Transition:
    """One status change, as observed (``old_status`` is None on first sight)."""

    adapter: str
    job_id: str
    old_status: JobStatus | None
    new_status: JobStatus
    native_status: str | None
    observed_at: dt.datetime
    counts: Counts = attrs.field(factory=Counts)


@attrs.frozen(slots=True)
class StoredAnomaly:
    """An observation the state machine refused, and when it was seen."""

    anomaly: Anomaly
    observed_at: dt.datetime


@attrs.frozen(slots=True)
class RecordedError:
    """A failure to observe a job (a 404, an auth failure), kept for reports."""

    adapter: str
    job_id: str
    error: str
    at: dt.datetime


class SubmissionState(enum.Enum):
    """Where a submission is: ``PENDING`` means sent (or about to be) but not yet answered."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


@attrs.frozen(slots=True)
class Submission:
    """A request to start a job, written before it is sent.

    A ``PENDING`` submission found after a crash was possibly sent: reconcile
    it (look the job up, or resend with the same ``idempotency_key``)
    instead of submitting anew.
    """

    id: int
    adapter: str
    profile: str | None
    idempotency_key: str
    request_summary: Mapping[str, Any]
    state: SubmissionState
    created_at: dt.datetime
    completed_at: dt.datetime | None = None
    job_id: str | None = None
    error: str | None = None
