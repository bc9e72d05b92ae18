"""The jobs and instants the store tests observe: one start, one job builder, and a
registered secret that must never reach a stored row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jobadapter.model import Counts, Job
from jobadapter.redact import register_secret
from jobadapter.status import JobStatus

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SENTINEL = "sentinel-secret-value-4711"
register_secret(SENTINEL)

P, R, S = JobStatus.PENDING, JobStatus.RUNNING, JobStatus.SUCCEEDED


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def job(
    status: JobStatus = P,
    *,
    id: str = "J1",
    adapter: str = "zuora.mass_updater",
    counts: Counts | None = None,
    **kwargs: Any,
) -> Job:
    return Job(adapter=adapter, id=id, status=status, counts=counts or Counts(), **kwargs)


def counted(status: JobStatus, processed: int | None = None) -> Job:
    """A job with a total of 100 rows, ``processed`` of them done."""
    return job(status, counts=Counts(total=100, processed=processed))
