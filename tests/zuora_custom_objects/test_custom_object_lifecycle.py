"""Jobs on the simulator over HTTP, submitted and polled to their terminal status and results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from custom_object_requests import ADAPTER, MakeCsv, delete_by_filter
from jobadapter import Counts, Event, EventKind, Hub, InvalidRequest, JobError, JobStatus
from jobadapter.sandbox import SimClock
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator


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


def test_submit_from_cli_options(hub: Hub, make_csv: MakeCsv, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(make_csv(2))
    adapter = hub.adapter(ADAPTER)
    request = adapter.request_from_options(
        {"object": "vehicle", "action": "create", "file": str(path), "namespace": "default"}
    )
    assert hub.submit(ADAPTER, request).status is JobStatus.RUNNING
    assert hub.submit(ADAPTER, {"object": "v", "operation": "create", "file": make_csv(1)}).id


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
