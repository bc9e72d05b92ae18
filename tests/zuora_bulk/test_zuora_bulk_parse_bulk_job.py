"""``zuora.bulk_job`` parse: the documented summary sample verbatim, every status word,
epoch and ISO timestamps, counts as ints, strings or null."""

from __future__ import annotations

import datetime as dt

import pytest
from jobadapter import Counts, JobError, JobStatus, ProviderResponseError
from jobadapter_zuora_bulk.bulk_job import DOCUMENTED_STATUSES, BulkJobAdapter
from zuora_bulk_support import sample

JOB_ID = "3a3e85c4-96e7-486b-ae02-827120104301"
UTC = dt.timezone.utc


def test_documented_summary_sample() -> None:
    payload = sample("bulk_job_summary_page_sample.json")
    job = BulkJobAdapter().parse(payload)
    assert job.adapter == "zuora.bulk_job"
    assert job.id == JOB_ID
    assert job.status is JobStatus.RUNNING
    assert job.native_status == "In Progress"
    assert job.operation == "Import"
    assert job.target == "account"
    assert job.counts == Counts(total=1000, processed=1000, succeeded=800, failed=200)
    assert job.created_at == dt.datetime(2021, 2, 23, 11, 54, 40, tzinfo=UTC)
    assert job.updated_at == dt.datetime(2021, 2, 23, 12, 16, 20, tzinfo=UTC)
    assert job.ended_at is None  # still running
    assert job.submitted_by == "admin"
    assert job.errors == (JobError(None, "Processing error"),)
    assert job.raw == payload


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Created", JobStatus.PENDING),
        ("Submitted", JobStatus.PENDING),
        ("In Progress", JobStatus.RUNNING),
        ("Downloading", JobStatus.RUNNING),
        ("Aborting", JobStatus.CANCELLING),
        ("Completed", JobStatus.SUCCEEDED),
        ("Failed", JobStatus.FAILED),
        ("Aborted", JobStatus.CANCELLED),
        ("Cancelled", JobStatus.CANCELLED),
        ("IN_PROGRESS", JobStatus.RUNNING),
        ("in progress", JobStatus.RUNNING),
        ("Not-A-Status", JobStatus.UNKNOWN),
    ],
)
def test_every_status_word(word: str, expected: JobStatus) -> None:
    job = BulkJobAdapter().parse({"id": JOB_ID, "status": word})
    assert job.status is expected and job.native_status == word


def test_documented_words_are_all_covered() -> None:
    assert BulkJobAdapter.statuses.check_covers(DOCUMENTED_STATUSES) == []


def test_iso_timestamps_as_in_the_tutorial() -> None:
    payload = {
        "id": JOB_ID,
        "status": "Completed",
        "createdAt": "2024-05-01T10:00:00Z",
        "lastUpdatedAt": "2024-05-01T10:05:30.250+02:00",
        "rowCount": "10",
        "rowsSucceeded": "10",
        "rowsFailed": "0",
    }
    job = BulkJobAdapter().parse(payload)
    assert job.created_at == dt.datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert job.updated_at == dt.datetime(2024, 5, 1, 8, 5, 30, 250000, tzinfo=UTC)
    assert job.ended_at == job.updated_at  # a finished job's last update is its end
    assert job.counts == Counts(total=10, processed=10, succeeded=10, failed=0)


def test_epoch_milliseconds_and_iso_without_zone() -> None:
    job = BulkJobAdapter(timezone="UTC").parse(
        {
            "id": JOB_ID,
            "status": "Created",
            "createdAt": 1614081280000,
            "lastUpdatedAt": "2021-02-23T11:54:40",
        }
    )
    assert job.created_at == dt.datetime(2021, 2, 23, 11, 54, 40, tzinfo=UTC)
    assert job.updated_at == job.created_at


def test_null_counts_before_processing() -> None:
    job = BulkJobAdapter().parse(
        {
            "id": JOB_ID,
            "status": "Submitted",
            "rowCount": None,
            "rowsSucceeded": None,
            "rowsFailed": None,
        }
    )
    assert job.counts == Counts()


def test_one_count_known_gives_processed() -> None:
    job = BulkJobAdapter().parse({"id": JOB_ID, "status": "In Progress", "rowsSucceeded": 7})
    assert job.counts == Counts(processed=7, succeeded=7)


def test_failed_job_with_reason_and_job_id_fallback() -> None:
    job = BulkJobAdapter().parse(
        {
            "status": "Failed",
            "failureReason": "The file has no data rows",
            "lastUpdatedAt": 1700000000,
        },
        job_id=JOB_ID,
    )
    assert job.id == JOB_ID
    assert job.status is JobStatus.FAILED
    assert job.errors == (JobError(None, "The file has no data rows"),)
    assert job.ended_at == dt.datetime.fromtimestamp(1700000000, tz=UTC)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"status": "Completed"}, "id"),
        ({"id": JOB_ID}, "status"),
        ({"id": JOB_ID, "status": "Completed", "rowCount": "lots"}, "rowCount"),
        ({"id": JOB_ID, "status": "Completed", "createdAt": "someday"}, "createdAt"),
        ({"id": JOB_ID, "status": "Completed", "objectType": {"a": 1}}, "objectType"),
        ({"success": False, "reasons": [{"code": 1, "message": "x"}]}, "success: false"),
    ],
)
def test_malformed(payload: object, reason: str) -> None:
    with pytest.raises(ProviderResponseError, match=reason):
        BulkJobAdapter().parse(payload)
