"""Rows <-> values for every SQL store: what each column holds and how a Job fills it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from jobadapter.model import Job
from jobadapter.redact import may_hold_secret
from jobadapter.serialize import dumps, loads, to_dict
from jobadapter.status import JobStatus
from jobadapter.store.instants import from_us, from_us_or_none, to_us, to_us_or_none
from jobadapter.store.records import StoredJob, Submission, SubmissionState
from jobadapter.store.scrub import scrub


def status_or_none(value: str | None) -> JobStatus | None:
    return None if value is None else JobStatus(value)


def status_names(status: JobStatus | Iterable[JobStatus] | None) -> list[str] | None:
    if status is None:
        return None
    if isinstance(status, JobStatus):
        return [status.value]
    return [JobStatus(s).value for s in status]


#: The condition selecting jobs that have not ended; spelled like the partial index
#: ``jobs_open`` so the database can use it.
OPEN_SQL = "status NOT IN ('succeeded', 'failed', 'cancelled')"

STORED_COLUMNS = "snapshot, profile, first_seen_us, last_seen_us, deadline_us, terminal_seen_us"


def duration_us(job: Job, *, first_seen: int, terminal_seen: int | None) -> int | None:
    """How long the job ran, in microseconds, as reports count it.

    ``ended_at - started_at`` (else ``- created_at``) when the provider says;
    otherwise, for a finished job seen before it finished, the time from first
    sight to the observed terminal status. None while unknown.
    """
    start = job.started_at or job.created_at
    if job.ended_at is not None and start is not None:
        return max(0, to_us(job.ended_at) - to_us(start))
    if job.is_terminal and terminal_seen is not None and terminal_seen > first_seen:
        return terminal_seen - first_seen
    return None


#: The columns an observation computes from the Job, in :func:`job_columns`' order.
JOB_COLUMNS = (
    "operation",
    "target",
    "status",
    "native_status",
    "rows_total",
    "rows_processed",
    "rows_succeeded",
    "rows_failed",
    "created_us",
    "started_us",
    "ended_us",
    "updated_us",
    "job_time_us",
    "terminal_seen_us",
    "duration_us",
    "snapshot",
)


def job_columns(
    job: Job, *, first_seen: int, terminal_seen: int | None, snapshot: str | None = None
) -> tuple[Any, ...]:
    """The values of :data:`JOB_COLUMNS` for ``job``: its snapshot (``snapshot``
    when the caller made it already) and the denormalised columns reports read."""
    c = job.counts
    created = to_us_or_none(job.created_at)
    return (
        job.operation,
        job.target,
        job.status.value,
        job.native_status,
        c.total,
        c.processed,
        c.succeeded,
        c.failed,
        created,
        to_us_or_none(job.started_at),
        to_us_or_none(job.ended_at),
        to_us_or_none(job.updated_at),
        first_seen if created is None else created,
        terminal_seen,
        duration_us(job, first_seen=first_seen, terminal_seen=terminal_seen),
        snapshot_of(job)[0] if snapshot is None else snapshot,
    )


def snapshot_of(job: Job) -> tuple[str, bool]:
    """The snapshot stored for ``job``, and whether it is ``job`` exactly (nothing masked)."""
    text = dumps(job)
    if "\\u" not in text and not may_hold_secret(text):
        # Nothing in it to mask (almost every answer): one scan of the text instead
        # of redacting each of its strings, which was a third of an observation.
        return text, True
    data = scrub(to_dict(job))
    # Identity is not a secret: an id that happens to contain a registered secret
    # (simulators draw ids and tokens from one seeded generator) must still name the job.
    data["adapter"], data["id"] = job.adapter, job.id
    return json.dumps(data, separators=(",", ":"), sort_keys=True), False


def stored_job_from_row(row: tuple[Any, ...]) -> StoredJob:
    snapshot, profile, first, last, deadline, terminal = row
    return StoredJob(
        job=loads(snapshot),
        profile=profile,
        first_seen=from_us(first),
        last_seen=from_us(last),
        deadline=from_us_or_none(deadline),
        terminal_seen=from_us_or_none(terminal),
    )


def submission_from_row(row: tuple[Any, ...]) -> Submission:
    (sid, adapter, profile, key, summary, state, created, completed, job_id, error) = row
    return Submission(
        id=sid,
        adapter=adapter,
        profile=profile,
        idempotency_key=key,
        request_summary=json.loads(summary),
        state=SubmissionState(state),
        created_at=from_us(created),
        completed_at=from_us_or_none(completed),
        job_id=job_id,
        error=error,
    )


SUBMISSION_COLUMNS = (
    "id, adapter, profile, idempotency_key, request_summary, state, created_us, completed_us, "
    "job_id, error"
)
