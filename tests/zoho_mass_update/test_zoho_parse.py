"""``parse`` and the submit-answer readers: documented samples verbatim, then every variant."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from jobadapter import JobStatus
from jobadapter.errors import ProviderResponseError
from jobadapter.serialize import from_dict, to_dict
from jobadapter_zoho_mass_update import MassUpdateAdapter
from jobadapter_zoho_mass_update.mass_update import DOCUMENTED_STATUSES, per_record
from zoho_samples import (
    SAMPLE_COMPLETED,
    SAMPLE_FAILED,
    SAMPLE_RUNNING,
    SAMPLE_SCHEDULED,
    SAMPLE_SUBMIT_IDS,
    SAMPLE_SUBMIT_SCHEDULED,
)

JOB_ID = "Accounts:554023000000506003"


@pytest.fixture
def adapter() -> MassUpdateAdapter:
    return MassUpdateAdapter()


@pytest.mark.parametrize(
    ("sample", "status", "counts"),
    [
        (SAMPLE_COMPLETED, JobStatus.SUCCEEDED, (50, 50, 50, 0)),
        (SAMPLE_FAILED, JobStatus.FAILED, (50, 50, 0, 50)),
        (SAMPLE_SCHEDULED, JobStatus.PENDING, (50, 0, 0, 0)),
        (SAMPLE_RUNNING, JobStatus.RUNNING, (50, 30, 30, 0)),
    ],
    ids=["completed", "failed", "scheduled", "running"],
)
def test_documented_status_samples(
    adapter: MassUpdateAdapter, sample: str, status: JobStatus, counts: tuple[int, ...]
) -> None:
    payload = json.loads(sample)
    job = adapter.parse(payload, job_id=JOB_ID)
    assert job.status is status
    assert job.native_status == payload["data"][0]["Status"]
    assert (
        job.counts.total,
        job.counts.processed,
        job.counts.succeeded,
        job.counts.failed,
    ) == counts
    assert job.id == JOB_ID
    assert job.target == "Accounts"
    assert job.operation == "mass_update"
    assert job.adapter == "zoho.mass_update"
    assert job.raw == payload  # untouched, Not_Updated_Count included
    assert from_dict(to_dict(job)) == job


def test_status_table_covers_every_documented_word(adapter: MassUpdateAdapter) -> None:
    assert adapter.statuses.check_covers(DOCUMENTED_STATUSES) == []
    assert DOCUMENTED_STATUSES == ("SCHEDULED", "RUNNING", "COMPLETED", "FAILED")


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("SCHEDULED", JobStatus.PENDING),
        ("RUNNING", JobStatus.RUNNING),
        ("COMPLETED", JobStatus.SUCCEEDED),
        ("FAILED", JobStatus.FAILED),
        ("completed", JobStatus.SUCCEEDED),
        (" Running ", JobStatus.RUNNING),
    ],
)
def test_every_status_word(adapter: MassUpdateAdapter, word: str, status: JobStatus) -> None:
    job = adapter.parse({"data": [{"Status": word, "Total_Count": 3}]}, job_id=JOB_ID)
    assert job.status is status
    assert job.native_status == word


def test_unknown_word_is_unknown_and_warned_once(
    adapter: MassUpdateAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="jobadapter"):
        for _ in range(3):
            job = adapter.parse({"data": [{"Status": "PAUSED_BY_ZOHO"}]}, job_id=JOB_ID)
    assert job.status is JobStatus.UNKNOWN
    assert job.native_status == "PAUSED_BY_ZOHO"
    assert sum("PAUSED_BY_ZOHO" in r.getMessage() for r in caplog.records) == 1


def test_data_as_single_object(adapter: MassUpdateAdapter) -> None:
    record = json.loads(SAMPLE_RUNNING)["data"][0]
    job = adapter.parse({"data": record}, job_id=JOB_ID)
    assert job.status is JobStatus.RUNNING
    assert job.counts.succeeded == 30


def test_unwrapped_record_is_tolerated(adapter: MassUpdateAdapter) -> None:
    job = adapter.parse(json.loads(SAMPLE_COMPLETED)["data"][0], job_id=JOB_ID)
    assert job.status is JobStatus.SUCCEEDED


def test_counts_as_strings_and_nulls(adapter: MassUpdateAdapter) -> None:
    payload = {
        "data": [
            {"Status": "RUNNING", "Failed_Count": "2", "Updated_Count": "8", "Total_Count": "20"}
        ]
    }
    counts = adapter.parse(payload, job_id=JOB_ID).counts
    assert (counts.total, counts.processed, counts.succeeded, counts.failed) == (20, 10, 8, 2)
    empty = adapter.parse({"data": [{"Status": "SCHEDULED", "Failed_Count": None}]}, job_id=JOB_ID)
    assert empty.counts.processed is None and empty.counts.total is None


def test_total_derived_from_the_three_parts(adapter: MassUpdateAdapter) -> None:
    payload = {
        "data": [
            {"Status": "RUNNING", "Failed_Count": 1, "Updated_Count": 4, "Not_Updated_Count": 5}
        ]
    }
    assert adapter.parse(payload, job_id=JOB_ID).counts.total == 10


def test_bare_job_id_has_no_target(adapter: MassUpdateAdapter) -> None:
    job = adapter.parse(json.loads(SAMPLE_COMPLETED), job_id="554023000000506003")
    assert job.id == "554023000000506003"
    assert job.target is None


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([], "expected a JSON object"),
        ("COMPLETED", "expected a JSON object"),
        (None, "expected a JSON object"),
        ({}, "no 'data'"),
        ({"data": []}, "no 'data'"),
        ({"data": [1]}, "data[0]"),
        ({"data": [{"Failed_Count": 1}]}, "status is None"),
        ({"data": [{"Status": 7}]}, "status is 7"),
        ({"data": [{"Status": "RUNNING", "Total_Count": -1}]}, "negative"),
        ({"data": [{"Status": "RUNNING", "Total_Count": "many"}]}, "whole number"),
        ({"data": [{"Status": "RUNNING", "Updated_Count": True}]}, "boolean"),
        (
            {
                "code": "INVALID_DATA",
                "details": {"param_name": "job_id"},
                "message": "The jobid given seems to be invalid",
                "status": "error",
            },
            "Zoho error (INVALID_DATA",
        ),
        (
            {"data": [{"code": "NOT_FOUND", "message": "Empty response", "status": "error"}]},
            "Zoho error (NOT_FOUND",
        ),
    ],
)
def test_malformed_answers_raise_provider_response_error(
    adapter: MassUpdateAdapter, payload: Any, reason: str
) -> None:
    with pytest.raises(ProviderResponseError) as caught:
        adapter.parse(payload, job_id=JOB_ID)
    assert reason in str(caught.value)
    assert caught.value.adapter == "zoho.mass_update"


def test_parse_needs_a_job_id(adapter: MassUpdateAdapter) -> None:
    with pytest.raises(ProviderResponseError, match="no job_id"):
        adapter.parse(json.loads(SAMPLE_COMPLETED))


def test_parse_never_raises_on_an_odd_job_id(adapter: MassUpdateAdapter) -> None:
    job = adapter.parse(json.loads(SAMPLE_COMPLETED), job_id="9bad module:123")
    assert job.target is None  # the prefix is not a module name: no target, still a Job


# -- submit answers -------------------------------------------------------------------


def test_documented_scheduled_submit_answer(adapter: MassUpdateAdapter) -> None:
    payload = json.loads(SAMPLE_SUBMIT_SCHEDULED)
    job = adapter.parse_scheduled(payload, module="Accounts")
    assert job.id == "Accounts:554023000000506003"
    assert job.status is JobStatus.PENDING
    assert job.target == "Accounts"
    assert job.operation == "mass_update"
    assert job.raw == payload
    assert job.counts.total is None


def test_scheduled_submit_answer_as_single_object(adapter: MassUpdateAdapter) -> None:
    entry = json.loads(SAMPLE_SUBMIT_SCHEDULED)["data"][0]
    assert adapter.parse_scheduled({"data": entry}, module="Leads").id == "Leads:554023000000506003"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"data": []},
        {"data": [{"code": "SUCCESS", "details": {}}]},
        {"data": [{"details": {"job_id": []}}]},
    ],
)
def test_scheduled_answer_without_job_id_is_malformed(
    adapter: MassUpdateAdapter, payload: Any
) -> None:
    with pytest.raises(ProviderResponseError):
        adapter.parse_scheduled(payload, module="Leads")


def test_documented_ids_submit_answer(adapter: MassUpdateAdapter) -> None:
    payload = json.loads(SAMPLE_SUBMIT_IDS)
    assert per_record(payload)
    job = adapter.parse_immediate(payload, module="Deals", job_id="Deals:immediate-x", requested=2)
    assert job.status is JobStatus.SUCCEEDED  # one record updated, one failed: a row failure
    assert job.is_terminal and job.has_row_failures
    assert (job.counts.total, job.counts.processed, job.counts.succeeded, job.counts.failed) == (
        2,
        2,
        1,
        1,
    )
    assert [(e.code, e.message) for e in job.errors] == [
        ("INVALID_DATA", "record 554023000000497021: the id given seems to be invalid")
    ]
    assert job.submitted_by == "Patricia boyle"
    assert job.ended_at is not None and job.ended_at.isoformat() == "2021-03-03T06:47:00+00:00"
    assert job.started_at == job.ended_at == job.updated_at
    assert job.target == "Deals"
    assert job.raw == payload
    assert from_dict(to_dict(job)) == job


def test_ids_answer_all_failed_is_failed(adapter: MassUpdateAdapter) -> None:
    payload = {
        "data": [
            {
                "code": "INVALID_DATA",
                "details": {"id": "1", "api_name": "Stage"},
                "message": "invalid data",
                "status": "error",
            },
            {
                "code": "RECORD_LOCKED",
                "details": {"id": "2"},
                "message": "locked",
                "status": "error",
            },
        ]
    }
    job = adapter.parse_immediate(payload, module="Deals", job_id="Deals:immediate-y")
    assert job.status is JobStatus.FAILED
    assert (job.counts.succeeded, job.counts.failed) == (0, 2)
    assert job.errors[0].message == "record 1: invalid data (field Stage)"
    assert job.errors[1].code == "RECORD_LOCKED"
    assert job.ended_at is None and job.submitted_by is None


def test_ids_answer_as_single_object(adapter: MassUpdateAdapter) -> None:
    entry = json.loads(SAMPLE_SUBMIT_IDS)["data"][0]
    job = adapter.parse_immediate({"data": entry}, module="Deals", job_id="Deals:immediate-z")
    assert job.status is JobStatus.SUCCEEDED
    assert job.counts.total == 1


def test_ids_answer_counts_requested_ids_as_total(adapter: MassUpdateAdapter) -> None:
    payload = json.loads(SAMPLE_SUBMIT_IDS)
    job = adapter.parse_immediate(payload, module="Deals", job_id="Deals:immediate-w", requested=3)
    assert (job.counts.total, job.counts.processed) == (3, 2)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"data": []},
        {"data": ["x"]},
        [],
        {"data": [{"status": "success", "details": {"Modified_Time": "yesterday"}}]},
    ],
)
def test_ids_answer_malformed(adapter: MassUpdateAdapter, payload: Any) -> None:
    with pytest.raises(ProviderResponseError):
        adapter.parse_immediate(payload, module="Deals", job_id="Deals:immediate-v")
