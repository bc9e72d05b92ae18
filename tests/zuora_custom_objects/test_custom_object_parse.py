"""``zuora.custom_object_job`` parse: the documented samples verbatim, every status
word and every field variant the docs allow."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from jobadapter import Counts, JobError, JobStatus, ProviderResponseError
from jobadapter_zuora_custom_objects.custom_object_job import (
    DOCUMENTED_STATUSES,
    STATUSES,
    CustomObjectJobAdapter,
)
from jobadapter_zuora_custom_objects.samples import GET_JOB, LISTED_COMPLETED, as_dict

SPEC = Path(__file__).parent / "data" / "zuora-custom-object-jobs-api-openapi.yml"

# pages/zuora-get-custom-object-bulk-job.md, "Response samples / 200", verbatim.
PAGE_SAMPLE = GET_JOB


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture()
def adapter() -> CustomObjectJobAdapter:
    return CustomObjectJobAdapter()


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=dt.timezone.utc)


def job_body(**fields: Any) -> dict[str, Any]:
    body = as_dict(LISTED_COMPLETED)  # the spec's listed completed job
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def test_page_sample_verbatim(adapter: CustomObjectJobAdapter) -> None:
    payload = json.loads(PAGE_SAMPLE)
    job = adapter.parse(payload)
    assert job.adapter == "zuora.custom_object_job"
    assert job.id == "ed4b9701-bafb-4976-8019-b08269430153"
    assert job.status is JobStatus.FAILED
    assert job.native_status == "failed"
    assert job.operation == "delete"
    assert job.target == "passenger"
    assert job.counts == Counts(processed=500)
    assert job.created_at == utc(2021, 3, 15, 6, 47, 18)
    assert job.updated_at == utc(2021, 3, 15, 6, 47, 18)
    assert job.ended_at == utc(2021, 3, 15, 6, 47, 18)
    assert job.started_at is None
    assert job.submitted_by == "7b39d73f-22e6-404a-b8e7-894f7620e91c"
    assert job.errors == (
        JobError("71012560", "Service limit reached, please retry later.", retryable=True),
    )
    assert job.raw == payload
    assert job.raw["processingTime"] == 1882


def test_spec_job_example(adapter: CustomObjectJobAdapter, spec: dict[str, Any]) -> None:
    example = spec["definitions"]["CustomObjectBulkJobResponse"]["example"]
    assert example == json.loads(PAGE_SAMPLE)  # the page and the spec agree
    assert adapter.parse(example).status is JobStatus.FAILED


def test_spec_upload_example(adapter: CustomObjectJobAdapter, spec: dict[str, Any]) -> None:
    op = spec["paths"]["/objects/jobs/{id}/files"]["post"]
    example = op["responses"]["200"]["examples"]["application/json"]
    job = adapter.parse(example)
    assert job.id == "5112347a-f7a1-4373-99df-c082984de7be"
    assert job.status is JobStatus.RUNNING
    assert job.operation == "create"
    assert job.target == "vehicle"
    assert job.counts == Counts(processed=0)
    assert job.created_at == utc(2021, 3, 10, 0, 5, 54, 207000)
    assert job.updated_at == utc(2021, 3, 10, 0, 8, 15, 539000)
    assert job.ended_at is None
    assert job.errors == ()


def test_spec_cancel_example(adapter: CustomObjectJobAdapter, spec: dict[str, Any]) -> None:
    op = spec["paths"]["/objects/jobs/{id}/cancel"]["patch"]
    job = adapter.parse(op["responses"]["200"]["examples"]["application/json"])
    assert job.id == "7f19b861-5ec7-479b-935c-fcfbd6477655"
    assert job.status is JobStatus.CANCELLED
    assert job.target == "jobtest"
    assert job.submitted_by == "11e64eef-ada8-786d-9658-00259058c29c"
    assert job.ended_at == utc(2022, 12, 1, 21, 37, 43, 212000)


def test_spec_list_examples(adapter: CustomObjectJobAdapter, spec: dict[str, Any]) -> None:
    collection = spec["definitions"]["CustomObjectBulkJobResponseCollection"]["properties"]
    jobs = [adapter.parse(item) for item in collection["jobs"]["example"]]
    assert [j.status for j in jobs] == [JobStatus.SUCCEEDED, JobStatus.PENDING]
    assert jobs[0].counts == Counts(total=3, processed=3)
    assert jobs[1].native_status == "pending"
    assert jobs[1].created_at == jobs[1].updated_at == utc(2021, 3, 9, 22, 27, 59, 503000)


def test_spec_error_entry_example(adapter: CustomObjectJobAdapter, spec: dict[str, Any]) -> None:
    props = spec["definitions"]["CustomObjectBulkJobErrorResponse"]["properties"]
    entry = {
        "code": props["code"]["example"],
        "message": props["message"]["example"],
        "row": props["row"]["example"],
        "record": spec["definitions"]["CustomObjectRecordWithAllFields"]["example"],
    }
    row = adapter.row_from(entry)
    assert row == {
        "row": 12,
        "code": "71012520",
        "message": 'input string "123" is not a valid UUID',
        "record": entry["record"],
    }


def test_table_covers_every_documented_word(spec: dict[str, Any]) -> None:
    enum = spec["definitions"]["CustomObjectBulkJobResponse"]["properties"]["status"]["enum"]
    list_enum = next(
        p["enum"]
        for p in spec["paths"]["/objects/jobs"]["get"]["parameters"]
        if p.get("name") == "status"
    )
    assert sorted(enum) == sorted(DOCUMENTED_STATUSES) == sorted(list_enum)
    assert STATUSES.check_covers(enum) == []


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("accepted", JobStatus.PENDING),
        ("pending", JobStatus.PENDING),
        ("in_progress", JobStatus.RUNNING),
        ("completed", JobStatus.SUCCEEDED),
        ("failed", JobStatus.FAILED),
        ("cancelled", JobStatus.CANCELLED),
        ("IN_PROGRESS", JobStatus.RUNNING),
        ("In Progress", JobStatus.RUNNING),
        ("Completed", JobStatus.SUCCEEDED),
    ],
)
def test_every_status_word(adapter: CustomObjectJobAdapter, word: str, status: JobStatus) -> None:
    job = adapter.parse(job_body(status=word))
    assert job.status is status
    assert job.native_status == word
    assert (job.ended_at is not None) is status.is_terminal


def test_unknown_status_is_kept_and_warned(
    adapter: CustomObjectJobAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        job = adapter.parse(job_body(status="queued_for_review"))
    assert job.status is JobStatus.UNKNOWN
    assert job.native_status == "queued_for_review"
    assert job.ended_at is None
    assert "queued_for_review" in caplog.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-03-15T06:47:18Z", utc(2021, 3, 15, 6, 47, 18)),
        ("2021-03-15T06:47:18.123Z", utc(2021, 3, 15, 6, 47, 18, 123000)),
        ("2021-03-15T06:47:18.1Z", utc(2021, 3, 15, 6, 47, 18, 100000)),
        ("2021-03-15T08:47:18.000+02:00", utc(2021, 3, 15, 6, 47, 18)),
    ],
)
def test_dates_with_and_without_milliseconds(
    adapter: CustomObjectJobAdapter, text: str, expected: dt.datetime
) -> None:
    job = adapter.parse(job_body(CreatedDate=text, UpdatedDate=text))
    assert job.created_at == expected
    assert job.updated_at == expected
    assert job.created_at is not None and job.created_at.tzinfo == dt.timezone.utc


def test_optional_fields_absent(adapter: CustomObjectJobAdapter) -> None:
    body = {"Id": "abc", "status": "pending"}
    job = adapter.parse(body)
    assert job.status is JobStatus.PENDING
    assert job.counts == Counts()
    assert job.created_at is None and job.updated_at is None
    assert job.operation is None and job.target is None and job.submitted_by is None
    assert job.errors == ()


@pytest.mark.parametrize(("value", "expected"), [(12, 12), ("12", 12), (None, None), (0, 0)])
def test_records_processed_variants(
    adapter: CustomObjectJobAdapter, value: Any, expected: int | None
) -> None:
    assert (
        adapter.parse(job_body(recordsProcessed=value, status="in_progress")).counts.processed
        == expected
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (None, ()),
        ({}, ()),
        ({"code": 71012520, "message": "bad row"}, (JobError("71012520", "bad row"),)),
        ({"code": "71012520"}, (JobError("71012520", "Zuora error 71012520"),)),
        ({"message": "no code"}, (JobError(None, "no code"),)),
    ],
)
def test_error_field_variants(adapter: CustomObjectJobAdapter, error: Any, expected: Any) -> None:
    assert adapter.parse(job_body(status="failed", error=error)).errors == expected


def test_id_from_caller_when_absent(adapter: CustomObjectJobAdapter) -> None:
    job = adapter.parse(job_body(Id=...), job_id="given-id")
    assert job.id == "given-id"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([], "expected a JSON object"),
        ("failed", "expected a JSON object"),
        (job_body(status=...), "status"),
        (job_body(status=7), "status"),
        (job_body(recordsProcessed=-1), "recordsProcessed"),
        (job_body(recordsProcessed="many"), "recordsProcessed"),
        (job_body(processingTime="slow"), "processingTime"),
        (job_body(CreatedDate="yesterday"), "CreatedDate"),
        (job_body(error="boom"), "error"),
        (job_body(Id=...), "Id"),
        (job_body(Id={"x": 1}), "Id"),
    ],
)
def test_malformed_answers_raise_typed_errors(
    adapter: CustomObjectJobAdapter, payload: Any, reason: str
) -> None:
    with pytest.raises(ProviderResponseError) as info:
        adapter.parse(payload)
    assert reason in str(info.value)
    assert info.value.adapter == "zuora.custom_object_job"


def test_row_from_variants(adapter: CustomObjectJobAdapter) -> None:
    assert adapter.row_from({"message": "whole-job problem"}) == {
        "row": None,
        "code": None,
        "message": "whole-job problem",
        "record": {},
    }
    assert adapter.row_from({"code": 1, "message": "m", "row": "3", "record": None})["row"] == 3
    with pytest.raises(ProviderResponseError):
        adapter.row_from({"row": 2, "record": ["not", "a", "mapping"]})
    with pytest.raises(ProviderResponseError):
        adapter.row_from("nope")
