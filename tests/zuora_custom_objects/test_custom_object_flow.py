"""Flows against the simulator over HTTP: submit -> poll to terminal -> results,
cancel paths, the five-job limit, token expiry and rate limits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jobadapter import (
    Counts,
    Event,
    EventKind,
    Hub,
    InvalidRequest,
    JobError,
    JobStatus,
    NotFound,
    RateLimited,
    TransientError,
)
from jobadapter.connection import Connection
from jobadapter.sandbox import Faults, SandboxServer, SimClock
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.custom_object_job import CustomObjectJobAdapter
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator

ADAPTER = "zuora.custom_object_job"
MakeCsv = Callable[..., bytes]


def delete_by_filter(obj: str = "passenger") -> CustomObjectJobRequest:
    return CustomObjectJobRequest(obj, "delete", filter=["CreatedDate LT 2020-01-01T00:00:00Z"])


def test_create_job_runs_to_success_with_row_failures(
    hub: Hub, sim: CustomObjectJobsSimulator, clock: SimClock, make_csv: MakeCsv, tmp_path: Path
) -> None:
    path = tmp_path / "passengers.csv"
    path.write_bytes(make_csv(40, failing=(3, 17)))  # CSV rows 4 and 18
    job = hub.submit(ADAPTER, CustomObjectJobRequest("passenger", "create", file=path))
    assert job.status is JobStatus.RUNNING
    assert job.native_status == "in_progress"
    assert job.counts.processed == 0
    assert job.counts.total == 40  # the CSV's records: Zuora itself never says a total
    assert job.target == "passenger" and job.operation == "create"

    upload = sim.log.where("POST", f"/objects/jobs/{job.id}/files")[0]
    headers = dict(upload.headers)
    assert headers["Content-Type"].startswith("text/csv")
    assert "Idempotency-Key" in headers

    clock.advance(1.0)  # 20 rows per simulated second
    running = hub.get(ADAPTER, job.id)
    assert running.status is JobStatus.RUNNING
    assert running.counts.processed == 20
    assert running.counts.failed is None  # only read once the job has finished

    clock.advance(5.0)
    done = hub.get(ADAPTER, job.id)
    assert done.status is JobStatus.SUCCEEDED
    assert done.counts == Counts(total=40, processed=40, succeeded=38, failed=2)
    assert done.ended_at is not None and done.created_at is not None
    assert done.ended_at > done.created_at
    assert done.raw["processingTime"] == 2000

    rows = list(hub.results(ADAPTER, job.id))
    assert [r["row"] for r in rows] == [4, 18]
    assert rows[0]["record"] == {"name__c": "FAIL", "age__c": "23"}
    assert rows[0]["code"] == "71012520"


def test_tracking_keeps_the_csv_total_and_predicts_the_end(hub: Hub, make_csv: MakeCsv) -> None:
    """Zuora never reports a total; the submitted Job's record count is kept through
    every answer, so the tracker can aim at the end instead of polling blind."""
    job = hub.submit(ADAPTER, CustomObjectJobRequest("passenger", "create", file=make_csv(400)))
    assert job.counts.total == 400
    seen: list[Event] = []
    etas: list[Any] = []

    def on_event(event: Event) -> None:
        seen.append(event)
        etas.append(tracker.eta(ADAPTER, job.id))

    tracker = hub.tracker(on_event=on_event, workers=0)
    tracker.add_job(job)
    done = tracker.run().outcome(job.key)
    assert done.status is JobStatus.SUCCEEDED and done.counts.total == 400
    progress = [e.job for e in seen if e.kind is EventKind.PROGRESS and e.job is not None]
    assert progress and all(j.counts.total == 400 for j in progress)
    assert any(eta is not None for eta in etas), "the end was never predicted"


def test_every_row_failing_fails_the_job(hub: Hub, clock: SimClock, make_csv: MakeCsv) -> None:
    job = hub.submit(
        ADAPTER, CustomObjectJobRequest("vehicle", "create", file=make_csv(3, failing=(1, 2, 3)))
    )
    clock.advance(60)
    done = hub.get(ADAPTER, job.id)
    assert done.status is JobStatus.FAILED
    assert done.counts == Counts(processed=3, succeeded=0, failed=3)
    assert done.errors and done.errors[0].code == "71012520"
    assert len(list(hub.results(ADAPTER, job.id))) == 3


def test_update_from_file(hub: Hub, clock: SimClock) -> None:
    ids = ["0b3bb1b4-9b0d-4f5e-8a0e-1d2c3b4a5f60"]
    update = hub.submit(
        ADAPTER,
        CustomObjectJobRequest("vehicle", "update", file=f"id,make__c\n{ids[0]},Volvo\n".encode()),
    )
    clock.advance(10)
    assert hub.get(ADAPTER, update.id).counts == Counts(total=1, processed=1, succeeded=1, failed=0)


def test_a_delete_job_refuses_a_file_before_anything_is_sent(
    hub: Hub, sim: CustomObjectJobsSimulator
) -> None:
    # The spec uploads a file for create and update only: a delete job made without a
    # filter and then sent a file would delete with no filter at all.
    with pytest.raises(InvalidRequest, match="a delete job takes a filter, not a file"):
        hub.submit(ADAPTER, CustomObjectJobRequest("vehicle", "delete", file=b"id\nx-1\n"))
    assert not sim.log.where("POST", "/objects/jobs")


def test_filtered_delete_walks_accepted_in_progress_completed(
    hub: Hub, sim: CustomObjectJobsSimulator, clock: SimClock
) -> None:
    job = hub.submit(ADAPTER, delete_by_filter())
    assert (job.status, job.native_status) == (JobStatus.PENDING, "accepted")
    assert not sim.log.where("POST", f"/objects/jobs/{job.id}/files")  # nothing to upload
    created = sim.log.where("POST", "/objects/jobs")
    assert len(created) == 1

    clock.advance(2.5)
    running = hub.get(ADAPTER, job.id)
    assert (running.status, running.counts.processed) == (JobStatus.RUNNING, 10)
    clock.advance(10)
    done = hub.get(ADAPTER, job.id)
    assert done.status is JobStatus.SUCCEEDED
    assert done.counts == Counts(total=50, processed=50, succeeded=50, failed=0)
    assert list(hub.results(ADAPTER, job.id)) == []


def test_cancel_an_accepted_job(hub: Hub, sim: CustomObjectJobsSimulator) -> None:
    job = hub.submit(ADAPTER, delete_by_filter())
    cancelled = hub.cancel(ADAPTER, job.id)
    assert cancelled.status is JobStatus.CANCELLED
    assert cancelled.native_status == "cancelled"
    assert sim.jobs[job.id].status == "cancelled"
    assert hub.get(ADAPTER, job.id).status is JobStatus.CANCELLED


def test_cancel_a_pending_job(
    conn: Connection, adapter: CustomObjectJobAdapter, sim: CustomObjectJobsSimulator
) -> None:
    # A job whose file never came: created directly, without the adapter's upload.
    answer = conn.request(
        "POST",
        "/objects/jobs",
        json={"namespace": "default", "object": "vehicle", "operation": "create"},
    ).json()
    assert answer["status"] == "pending"
    cancelled = adapter.cancel(conn, answer["Id"])
    assert cancelled.status is JobStatus.CANCELLED
    patch = sim.log.where("PATCH", f"/objects/jobs/{answer['Id']}/cancel")
    assert len(patch) == 1 and "Idempotency-Key" in dict(patch[0].headers)


@pytest.mark.parametrize("advance", [0.5, 60.0])
def test_cancel_refused_without_a_request_once_running_or_done(
    hub: Hub, sim: CustomObjectJobsSimulator, clock: SimClock, make_csv: MakeCsv, advance: float
) -> None:
    job = hub.submit(ADAPTER, CustomObjectJobRequest("vehicle", "create", file=make_csv(100)))
    clock.advance(advance)
    with pytest.raises(InvalidRequest) as info:
        hub.cancel(ADAPTER, job.id)
    assert "only while it is 'accepted' or 'pending'" in str(info.value)
    assert not sim.log.where("PATCH", f"/objects/jobs/{job.id}/cancel")


def test_a_sixth_concurrent_job_is_the_documented_failed_job_with_a_retryable_error(
    hub: Hub, sim: CustomObjectJobsSimulator, clock: SimClock, make_csv: MakeCsv
) -> None:
    for _ in range(5):
        hub.submit(ADAPTER, delete_by_filter())
    sixth = hub.submit(ADAPTER, CustomObjectJobRequest("vehicle", "create", file=make_csv(3)))
    assert (sixth.status, sixth.native_status) == (JobStatus.FAILED, "failed")
    limit = JobError("71012560", "Service limit reached, please retry later.", retryable=True)
    assert sixth.errors == (limit,)
    assert not sim.log.where("POST", f"/objects/jobs/{sixth.id}/files")  # no file to a dead job

    clock.advance(10)  # the five run to completion: slots free up
    seventh = hub.submit(ADAPTER, delete_by_filter())
    assert seventh.status is JobStatus.PENDING


def test_failed_upload_cancels_the_orphan_job(
    hub: Hub, sim: CustomObjectJobsSimulator, make_csv: MakeCsv
) -> None:
    sim.max_file_bytes = 10  # the tenant refuses what the client let through
    with pytest.raises(InvalidRequest) as info:
        hub.submit(ADAPTER, CustomObjectJobRequest("vehicle", "create", file=make_csv(5)))
    (job,) = sim.jobs.values()
    assert job.status == "cancelled"
    assert f"upload to custom object job {job.id} failed; it was cancelled" in str(info.value)


def test_oversized_file_never_creates_a_job(
    hub: Hub, sim: CustomObjectJobsSimulator, tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.write(b"name__c\n")
        handle.truncate(15 * 1024 * 1024 + 1)
    with pytest.raises(InvalidRequest, match="15 MB"):
        hub.submit(ADAPTER, CustomObjectJobRequest("vehicle", "create", file=big))
    assert not sim.jobs
    assert len(sim.log) == 0


def test_submit_from_cli_options(hub: Hub, make_csv: MakeCsv, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(make_csv(2))
    adapter = hub.adapter(ADAPTER)
    request = adapter.request_from_options(
        {"object": "vehicle", "action": "create", "file": str(path), "namespace": "default"}
    )
    assert hub.submit(ADAPTER, request).status is JobStatus.RUNNING
    assert hub.submit(ADAPTER, {"object": "v", "operation": "create", "file": make_csv(1)}).id


def test_list_follows_the_cursor(
    hub: Hub, sim: CustomObjectJobsSimulator, clock: SimClock, make_csv: MakeCsv
) -> None:
    sim.concurrent_limit = 50
    made = [hub.submit(ADAPTER, delete_by_filter()).id for _ in range(3)]
    clock.advance(1)
    made += [
        hub.submit(ADAPTER, CustomObjectJobRequest("v", "create", file=make_csv(1))).id
        for _ in range(4)
    ]
    listed = list(hub.list_jobs(ADAPTER, page_size=2))
    assert [job.id for job in listed] == list(reversed(made))  # newest first
    pages = sim.log.where("GET", "/objects/jobs")
    assert len(pages) == 4  # 2 + 2 + 2 + 1
    assert "cursor" not in pages[0].query and "cursor=" in pages[1].query
    assert all("pageSize=2" in page.query for page in pages)


def test_list_by_status(hub: Hub, sim: CustomObjectJobsSimulator, make_csv: MakeCsv) -> None:
    sim.concurrent_limit = 50
    accepted = hub.submit(ADAPTER, delete_by_filter()).id
    running = hub.submit(ADAPTER, CustomObjectJobRequest("v", "create", file=make_csv(99))).id
    assert [j.id for j in hub.list_jobs(ADAPTER, status="in_progress")] == [running]
    assert [j.id for j in hub.list_jobs(ADAPTER, status=JobStatus.PENDING)] == [accepted]
    queries = [p.query for p in sim.log.where("GET", "/objects/jobs")]
    assert any("status=accepted" in q for q in queries)
    assert any("status=pending" in q for q in queries)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"page_size": 101}, "page_size must be 1-100"),
        ({"page_size": 0}, "page_size must be 1-100"),
        ({"status": "running"}, "status 'running'"),
        ({"status": JobStatus.CANCELLING}, "never cancelling"),
        ({"object": "vehicle"}, "by status and page_size only"),
    ],
)
def test_list_refuses_bad_filters(hub: Hub, filters: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        list(hub.list_jobs(ADAPTER, **filters))


def test_unknown_job_is_not_found(hub: Hub) -> None:
    with pytest.raises(NotFound) as info:
        hub.get(ADAPTER, "7006ce52-91c9-11ed-a1eb-0242ac120002")
    assert info.value.code == "71013040"
    assert info.value.status == 404
    assert "Job not found for id '7006ce52-91c9-11ed-a1eb-0242ac120002'" in str(info.value)
    with pytest.raises(NotFound):
        hub.cancel(ADAPTER, "7006ce52-91c9-11ed-a1eb-0242ac120002")
    with pytest.raises(NotFound):
        list(hub.results(ADAPTER, "7006ce52-91c9-11ed-a1eb-0242ac120002"))


def test_job_ids_stay_one_path_segment(hub: Hub, sim: CustomObjectJobsSimulator) -> None:
    with pytest.raises(NotFound):
        hub.get(ADAPTER, "../jobs?status=failed")
    assert not sim.log.where("GET", "/objects/jobs")  # never turned into a listing
    with pytest.raises(InvalidRequest):
        hub.get(ADAPTER, "..")


def test_token_expiring_mid_poll_is_refreshed(
    hub: Hub, sim: CustomObjectJobsSimulator, clock: SimClock, make_csv: MakeCsv
) -> None:
    job = hub.submit(ADAPTER, CustomObjectJobRequest("vehicle", "create", file=make_csv(10)))
    assert sim.tokens_issued == 1
    sim.expire_tokens()
    clock.advance(0.25)
    polled = hub.get(ADAPTER, job.id)
    assert polled.counts.processed == 5
    assert sim.tokens_issued == 2
    statuses = [entry.status for entry in sim.log.where("GET", f"/objects/jobs/{job.id}")]
    assert statuses == [401, 200]


def test_token_lifetime_passing_in_simulated_time(
    hub: Hub, sim: CustomObjectJobsSimulator, clock: SimClock
) -> None:
    job = hub.submit(ADAPTER, delete_by_filter())
    clock.advance(4000)  # beyond the 3599 s token lifetime
    assert hub.get(ADAPTER, job.id).status is JobStatus.SUCCEEDED
    assert sim.tokens_issued == 2


class TestRateLimits:
    @pytest.fixture()
    def sim_options(self) -> dict[str, Any]:
        return {"rate_limit": 3, "rate_window": 10.0}

    def test_429_waits_for_ratelimit_reset_and_goes_on(
        self, hub: Hub, sim: CustomObjectJobsSimulator, sleeper: Any
    ) -> None:
        job = hub.submit(ADAPTER, delete_by_filter())  # create: request 1 of 3
        hub.get(ADAPTER, job.id)
        hub.get(ADAPTER, job.id)
        polled = hub.get(ADAPTER, job.id)  # the fourth: 429, wait, retry
        assert polled.id == job.id
        limited = [entry for entry in sim.log if entry.status == 429]
        assert len(limited) == 1
        assert sleeper.calls == [10.0]  # RateLimit-Reset of the simulator's window

    def test_429_beyond_the_budget_is_rate_limited(
        self, hub: Hub, sim: CustomObjectJobsSimulator
    ) -> None:
        hub.transport.retry = type(hub.transport.retry)(max_attempts=1)
        job = hub.submit(ADAPTER, delete_by_filter())
        hub.get(ADAPTER, job.id)
        hub.get(ADAPTER, job.id)
        with pytest.raises(RateLimited) as info:
            hub.get(ADAPTER, job.id)
        assert info.value.retry_after == 10.0
        assert info.value.status == 429


def test_job_errors_surface_on_the_job(hub: Hub, clock: SimClock, make_csv: MakeCsv) -> None:
    job = hub.submit(ADAPTER, CustomObjectJobRequest("v", "create", file=make_csv(1, failing=(1,))))
    clock.advance(5)
    done = hub.get(ADAPTER, job.id)
    assert done.errors == (
        JobError(
            "71012520",
            f"All 1 records failed; list them with GET /objects/jobs/{job.id}/errors",
        ),
    )


def test_demo_requests_run_to_terminal_statuses(
    hub: Hub, sim: CustomObjectJobsSimulator, clock: SimClock
) -> None:
    demos = sim.demo_requests()
    assert {demo.adapter for demo in demos} == {ADAPTER}
    jobs = [hub.submit(demo.adapter, demo.request) for demo in demos]
    clock.advance(30)
    done = [hub.get(ADAPTER, job.id) for job in jobs]
    assert [job.status for job in done] == [JobStatus.SUCCEEDED, JobStatus.SUCCEEDED]
    assert done[0].counts == Counts(total=60, processed=60, succeeded=58, failed=2)
    assert done[1].counts.processed == sim.filter_matches


def test_dropped_answers_never_duplicate_a_job(
    hub: Hub,
    server: SandboxServer,
    sim: CustomObjectJobsSimulator,
    clock: SimClock,
    make_csv: MakeCsv,
) -> None:
    sim.concurrent_limit = 100
    # The simulator acts, then the answer is lost: retries carry the same Idempotency-Key.
    server.faults = Faults(drop=0.25, seed=1, exempt_paths=("/oauth",))
    jobs = [
        hub.submit(ADAPTER, CustomObjectJobRequest("vehicle", "create", file=make_csv(3)))
        for _ in range(8)
    ]
    assert len(sim.log.where("POST", "/objects/jobs")) > 8  # some creates were sent twice
    assert len(sim.jobs) == 8
    assert len({job.id for job in jobs}) == 8
    clock.advance(60)
    assert {hub.get(ADAPTER, job.id).status for job in jobs} == {JobStatus.SUCCEEDED}


def test_lost_upload_answer_is_settled_by_looking_not_by_cancelling(
    hub: Hub, sim: CustomObjectJobsSimulator, make_csv: MakeCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file arrived but its answer was lost: the job runs, nothing is cancelled."""
    real = CustomObjectJobAdapter._upload

    def upload_then_lose_answer(self: Any, conn: Any, job_id: str, data: bytes, key: str) -> Any:
        real(self, conn, job_id, data, key)
        raise TransientError("connection dropped after the request was sent")

    monkeypatch.setattr(CustomObjectJobAdapter, "_upload", upload_then_lose_answer)
    request = CustomObjectJobRequest("passenger", "create", file=make_csv(5))
    job = hub.submit(ADAPTER, request)
    assert job.status in (JobStatus.RUNNING, JobStatus.SUCCEEDED)
    assert job.counts.total == 5
    assert not sim.log.where("PATCH"), "a job holding its file was cancelled"
    assert len(sim.log.where("POST", f"/objects/jobs/{job.id}/files")) == 1


def test_upload_failing_before_arrival_is_sent_again_under_its_key(
    hub: Hub, sim: CustomObjectJobsSimulator, make_csv: MakeCsv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A passing failure before the file arrived: the job is still pending, so the same
    upload (same derived key) is sent once more and the job runs."""
    real = CustomObjectJobAdapter._upload
    keys: list[str] = []

    def fail_first(self: Any, conn: Any, job_id: str, data: bytes, key: str) -> Any:
        keys.append(key)
        if len(keys) == 1:
            raise TransientError("503 before the file arrived")
        return real(self, conn, job_id, data, key)

    monkeypatch.setattr(CustomObjectJobAdapter, "_upload", fail_first)
    job = hub.submit(ADAPTER, CustomObjectJobRequest("passenger", "create", file=make_csv(5)))
    assert job.status in (JobStatus.RUNNING, JobStatus.SUCCEEDED)
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0].endswith("-upload")
    assert not sim.log.where("PATCH")
