"""``zuora.mass_updater`` parse: the documented samples verbatim, every status word, every
field variant (counts as ints, strings or null; naive dates in the tenant's zone)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from jobadapter import Counts, JobError, JobStatus, ProviderResponseError
from jobadapter_zuora_bulk.mass_updater import DOCUMENTED_STATUSES, MassUpdaterAdapter
from zuora_bulk_support import sample

KEY = "402892f04c97b89a014c97bb30a50003"
UTC = dt.timezone.utc


@pytest.mark.parametrize(
    "name", ["mass_updater_get_page_sample.json", "mass_updater_get_spec_example.json"]
)
def test_documented_sample(name: str) -> None:
    payload = sample(name)
    job = MassUpdaterAdapter().parse(payload, job_id=KEY)
    assert job.adapter == "zuora.mass_updater"
    assert job.id == KEY
    assert job.status is JobStatus.SUCCEEDED
    assert job.native_status == "Completed"
    assert job.operation == "UpdateAccountingCode"
    assert job.target is None
    assert job.counts == Counts(total=3, processed=3, succeeded=2, failed=1)
    assert job.has_row_failures
    assert job.created_at == dt.datetime(2015, 4, 7, 14, 22, 9, tzinfo=UTC)
    assert job.started_at == dt.datetime(2015, 4, 7, 14, 22, 11, tzinfo=UTC)
    assert job.ended_at == dt.datetime(2015, 4, 7, 14, 32, 1, tzinfo=UTC)
    assert job.submitted_by == "smith@example.com"
    assert job.result_url == "https://rest.zuora.com/v1/files/402892c84c9285b1014c9293f5320007"
    assert job.errors == ()
    assert job.raw == payload


def test_dates_are_read_in_the_profile_timezone() -> None:
    job = MassUpdaterAdapter(timezone="America/Los_Angeles").parse(
        sample("mass_updater_get_page_sample.json"), job_id=KEY
    )
    # 14:22:09 Pacific Daylight Time (UTC-7 on 2015-04-07)
    assert job.created_at == dt.datetime(2015, 4, 7, 21, 22, 9, tzinfo=UTC)
    fixed = MassUpdaterAdapter(timezone="+02:00").parse(
        sample("mass_updater_get_page_sample.json"), job_id=KEY
    )
    assert fixed.ended_at == dt.datetime(2015, 4, 7, 12, 32, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Pending", JobStatus.PENDING),
        ("Processing", JobStatus.RUNNING),
        ("Stopping", JobStatus.CANCELLING),
        ("Stopped", JobStatus.CANCELLED),
        ("Completed", JobStatus.SUCCEEDED),
        ("Failed", JobStatus.FAILED),
        ("PROCESSING", JobStatus.RUNNING),
        ("completed", JobStatus.SUCCEEDED),
    ],
)
def test_every_status_word(word: str, expected: JobStatus) -> None:
    job = MassUpdaterAdapter().parse({"status": word, "success": True}, job_id=KEY)
    assert job.status is expected
    assert job.native_status == word


def test_documented_words_are_all_covered() -> None:
    assert MassUpdaterAdapter.statuses.check_covers(DOCUMENTED_STATUSES) == []


def test_unknown_status_is_unknown_and_warned_once(caplog: pytest.LogCaptureFixture) -> None:
    adapter = MassUpdaterAdapter()
    with caplog.at_level(logging.WARNING, logger="jobadapter"):
        first = adapter.parse({"status": "Queued For Review"}, job_id=KEY)
        second = adapter.parse({"status": "Queued For Review"}, job_id=KEY)
    assert first.status is JobStatus.UNKNOWN and second.status is JobStatus.UNKNOWN
    assert first.native_status == "Queued For Review"
    warnings = [r for r in caplog.records if "Queued For Review" in r.getMessage()]
    assert len(warnings) == 1


def test_pending_answer_with_null_counts() -> None:
    payload = {
        "actionType": "CreateRevenueSchedule",
        "uploadedBy": "ops@example.com",
        "uploadedOn": "2024-02-29 23:59:59",
        "status": "Pending",
        "startedOn": None,
        "endedOn": None,
        "inputSize": 1200,
        "outputSize": None,
        "outputType": None,
        "outputURL": None,
        "totalCount": None,
        "processedCount": None,
        "successCount": None,
        "errorCount": None,
        "success": True,
    }
    job = MassUpdaterAdapter().parse(payload, job_id=KEY)
    assert job.status is JobStatus.PENDING
    assert job.counts == Counts()
    assert job.started_at is None and job.ended_at is None and job.result_url is None
    assert job.created_at == dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)


def test_counts_as_strings_as_the_spec_types_them() -> None:
    payload = {
        "status": "Processing",
        "totalCount": "1000",
        "processedCount": "250",
        "successCount": "240",
        "errorCount": "10",
    }
    job = MassUpdaterAdapter().parse(payload, job_id=KEY)
    assert job.status is JobStatus.RUNNING
    assert job.counts == Counts(total=1000, processed=250, succeeded=240, failed=10)


def test_processed_is_derived_when_missing() -> None:
    job = MassUpdaterAdapter().parse(
        {"status": "Stopped", "successCount": 4, "errorCount": "1", "totalCount": 9}, job_id=KEY
    )
    assert job.counts == Counts(total=9, processed=5, succeeded=4, failed=1)


def test_reasons_inside_a_successful_answer_become_errors() -> None:
    payload = {
        "status": "Failed",
        "success": True,
        "reasons": [{"code": 58730020, "message": "bad file"}],
    }
    job = MassUpdaterAdapter().parse(payload, job_id=KEY)
    assert job.status is JobStatus.FAILED
    assert job.errors == (JobError("58730020", "bad file"),)


@pytest.mark.parametrize(
    ("payload", "job_id", "reason"),
    [
        (sample("v1_error_spec_sample.json"), KEY, "success: false"),
        ({"status": "Completed"}, None, "bulkKey"),
        ({"status": None}, KEY, "status"),
        ({"status": "Completed", "totalCount": "many"}, KEY, "totalCount"),
        ({"status": "Completed", "totalCount": -1}, KEY, "negative"),
        ({"status": "Completed", "uploadedOn": "yesterday"}, KEY, "uploadedOn"),
        (["status", "Completed"], KEY, "list"),
        ("Completed", KEY, "str"),
    ],
)
def test_malformed_answers_are_provider_response_errors(
    payload: object, job_id: str | None, reason: str
) -> None:
    with pytest.raises(ProviderResponseError, match=reason) as caught:
        MassUpdaterAdapter().parse(payload, job_id=job_id)
    assert caught.value.adapter == "zuora.mass_updater"


def test_a_bulk_key_in_the_answer_must_be_the_one_asked_for() -> None:
    assert MassUpdaterAdapter().parse({"status": "Pending", "bulkKey": "abc"}).id == "abc"
    assert MassUpdaterAdapter().parse({"status": "Pending", "bulkKey": KEY}, job_id=KEY).id == KEY
    with pytest.raises(ProviderResponseError, match="the answer is for zuora.mass_updater job"):
        MassUpdaterAdapter().parse({"status": "Pending", "bulkKey": "abc"}, job_id=KEY)
