"""Bulk Data flows against the simulator: create -> presigned upload (no Zuora
credentials) -> submit -> poll -> row files; aborts; cursor-following lists."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jobadapter import (
    Counts,
    Hub,
    InvalidRequest,
    JobError,
    JobStatus,
    NotFound,
    PermissionDenied,
)
from jobadapter.sandbox import SimClock
from jobadapter_zuora_bulk import BulkJobRequest
from jobadapter_zuora_bulk.simulator import ZuoraBulkSimulator
from zuora_bulk_support import BULK, csv_rows


def request(data: bytes, **kw: Any) -> BulkJobRequest:
    return BulkJobRequest(
        data, kw.pop("name", "nightly accounts"), kw.pop("object_type", "Account"), **kw
    )


def test_submit_uploads_without_zuora_credentials_and_runs_to_completed(
    hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock
) -> None:
    job = hub.submit(BULK, request(csv_rows(12, failing=(5,)), description="from a test"))
    assert job.status is JobStatus.PENDING and job.native_status == "Submitted"
    assert job.target == "Account" and job.operation == "Import"
    assert "uploadRequest" not in job.raw  # presigned credentials are not kept

    calls = [(r.method, r.path) for r in sim.log if r.path != "/oauth/token"]
    assert calls == [
        ("POST", "/bulk-data/bulk-jobs"),
        ("POST", "/storage/upload"),
        ("POST", f"/bulk-data/bulk-jobs/{job.id}/submissions"),
    ]
    upload = dict(sim.log.where("POST", "/storage/upload")[0].headers)
    assert "Authorization" not in upload
    assert not any(name.lower().startswith("zuora-") for name in upload)
    create = dict(sim.log.where("POST", "/bulk-data/bulk-jobs")[0].headers)
    assert "Idempotency-Key" in create and "Authorization" in create
    assert sim.bulk_jobs[job.id].body["description"] == "from a test"

    clock.advance(1.5)
    assert hub.get(BULK, job.id).native_status == "Downloading"
    clock.advance(1.0)  # In Progress: 5 rows per simulated second
    running = hub.get(BULK, job.id)
    assert running.status is JobStatus.RUNNING and running.native_status == "In Progress"
    assert running.counts == Counts(total=12, processed=2, succeeded=2, failed=0)
    clock.advance(60)
    done = hub.get(BULK, job.id)
    assert done.status is JobStatus.SUCCEEDED
    assert done.counts == Counts(total=12, processed=12, succeeded=11, failed=1)
    assert done.ended_at is not None and done.created_at is not None

    rows = list(hub.results(BULK, job.id))
    assert [r["_outcome"] for r in rows].count("succeeded") == 11
    failed = [r for r in rows if r["_outcome"] == "failed"]
    assert len(failed) == 1 and failed[0]["Notes"] == "FAIL" and failed[0]["errorMessage"]
    downloads = sim.log.where("GET", f"/bulk-data/bulk-jobs/{job.id}/downloads")
    assert len(downloads) == 1
    for fetch in [r for r in sim.log if r.path.startswith("/storage/files/")]:
        assert "Authorization" not in dict(fetch.headers)


@pytest.mark.parametrize("sim_options", [{"upload_style": "uploadFileInfo", "timestamps": "iso"}])
def test_prose_upload_names_and_iso_timestamps(
    hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock
) -> None:
    job = hub.submit(BULK, request(csv_rows(3), job_type="Update"))
    assert isinstance(job.raw["createdAt"], str) and job.raw["createdAt"].endswith("Z")
    assert job.created_at is not None
    assert job.created_at.timestamp() == pytest.approx(clock.now(), abs=0.01)
    assert job.operation == "Update"
    clock.advance(60)
    assert hub.get(BULK, job.id).status is JobStatus.SUCCEEDED


def test_jsonl_file(hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock) -> None:
    lines = [{"name": "a"}, {"name": "FAIL"}, {"name": "c", "nested": {"x": 1}}]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    job = hub.submit(BULK, request(data, filename="accounts.jsonl"))
    assert sim.bulk_jobs[job.id].body["fileType"] == "jsonl"
    clock.advance(60)
    assert hub.get(BULK, job.id).counts == Counts(total=3, processed=3, succeeded=2, failed=1)
    rows = list(hub.results(BULK, job.id))
    assert {r["name"] for r in rows if r["_outcome"] == "succeeded"} == {"a", "c"}
    assert [r["errorMessage"] for r in rows if r["_outcome"] == "failed"]


def test_header_only_file_ends_failed_with_reason(hub: Hub, clock: SimClock) -> None:
    job = hub.submit(BULK, request(b"Name,Id\n"))
    clock.advance(10)
    failed = hub.get(BULK, job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.errors == (JobError(None, "The file has no data rows"),)
    assert list(hub.results(BULK, job.id)) == []  # a source file only: no row files


def test_abort_while_submitted(hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock) -> None:
    job = hub.submit(BULK, request(csv_rows(10)))
    answer = hub.cancel(BULK, job.id)
    assert answer.status is JobStatus.CANCELLING and answer.native_status == "Aborting"
    assert answer.target == "Account"  # merged with the summary seen just before
    clock.advance(5)
    assert hub.get(BULK, job.id).status is JobStatus.CANCELLED
    assert len(sim.log.where("POST", f"/bulk-data/bulk-jobs/{job.id}/aborts")) == 1


def test_abort_while_in_progress_keeps_rows_done(hub: Hub, clock: SimClock) -> None:
    job = hub.submit(BULK, request(csv_rows(40, failing=(1,))))
    clock.advance(4.0)  # 2 s queue+download, then 10 rows
    hub.cancel(BULK, job.id)
    clock.advance(5)
    aborted = hub.get(BULK, job.id)
    assert aborted.status is JobStatus.CANCELLED and aborted.native_status == "Aborted"
    assert aborted.counts == Counts(total=40, processed=10, succeeded=9, failed=1)
    assert len(list(hub.results(BULK, job.id))) == 10


def test_abort_of_a_finished_job_is_refused_without_a_request(
    hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock
) -> None:
    job = hub.submit(BULK, request(csv_rows(1)))
    clock.advance(60)
    with pytest.raises(InvalidRequest, match="already Completed"):
        hub.cancel(BULK, job.id)
    assert sim.log.where("POST", f"/bulk-data/bulk-jobs/{job.id}/aborts") == []


def test_results_of_an_unfinished_job(hub: Hub) -> None:
    job = hub.submit(BULK, request(csv_rows(3)))
    with pytest.raises(InvalidRequest, match="once it\\s+finishes"):
        hub.results(BULK, job.id)


def test_unknown_job_is_not_found(hub: Hub) -> None:
    with pytest.raises(NotFound) as caught:
        hub.get(BULK, "5e0b8c1e-0000-4000-8000-000000000000")
    assert caught.value.status == 404 and caught.value.code == "59100040"


def test_upload_refusal_names_the_created_job(hub: Hub, sim: ZuoraBulkSimulator) -> None:
    original = sim._upload_fields
    calls = {"n": 0}

    def wrong_on_upload(key: str) -> dict[str, str]:
        calls["n"] += 1
        fields = original(key)
        return {**fields, "x-amz-signature": "tampered"} if calls["n"] == 1 else fields

    sim._upload_fields = wrong_on_upload  # type: ignore[method-assign]
    with pytest.raises(
        PermissionDenied, match="created but its upload or submission failed"
    ) as caught:
        hub.submit(BULK, request(csv_rows(2)))
    (job_id,) = sim.bulk_jobs
    assert job_id in str(caught.value)
    assert sim.log.where("POST", f"/bulk-data/bulk-jobs/{job_id}/submissions") == []


def test_list_follows_the_cursor_to_the_end(
    hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock
) -> None:
    ids = []
    for index in range(5):
        ids.append(hub.submit(BULK, request(csv_rows(1), name=f"job {index}")).id)
        clock.advance(1)
    jobs = list(hub.list_jobs(BULK, limit=2))
    assert sorted(j.id for j in jobs) == sorted(ids)
    pages = sim.log.where("GET", "/bulk-data/bulk-jobs/summaries")
    assert len(pages) == 3
    assert "cursor=" not in pages[0].query and "cursor=" in pages[1].query


def test_list_status_filters(hub: Hub, clock: SimClock) -> None:
    first = hub.submit(BULK, request(csv_rows(1)))
    clock.advance(60)
    second = hub.submit(BULK, request(csv_rows(1)))
    assert [j.id for j in hub.list_jobs(BULK, status="completed")] == [first.id]
    assert [j.id for j in hub.list_jobs(BULK, status=JobStatus.PENDING)] == [second.id]
    with pytest.raises(InvalidRequest, match="not a Bulk Data status"):
        hub.list_jobs(BULK, status="Finished")
    with pytest.raises(InvalidRequest, match="takes status and limit"):
        hub.list_jobs(BULK, owner="me")


def test_retried_create_reuses_the_idempotency_key(hub: Hub, sim: ZuoraBulkSimulator) -> None:
    body = {"name": "n", "objectType": "Account"}
    conn = hub.connection(BULK)
    first = conn.request("POST", "/bulk-data/bulk-jobs", json=body, idempotency_key="k-1").json()
    again = conn.request("POST", "/bulk-data/bulk-jobs", json=body, idempotency_key="k-1").json()
    assert first["id"] == again["id"] and len(sim.bulk_jobs) == 1
    with pytest.raises(InvalidRequest, match="Idempotency-Key"):
        conn.request(
            "POST", "/bulk-data/bulk-jobs", json={**body, "name": "m"}, idempotency_key="k-1"
        )
