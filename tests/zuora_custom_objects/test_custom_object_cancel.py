"""Cancelling a job on the simulator: while accepted or pending only, refused after."""

from __future__ import annotations

import pytest
from custom_object_requests import ADAPTER, MakeCsv, delete_by_filter
from jobadapter import Hub, InvalidRequest, JobStatus
from jobadapter.connection import Connection
from jobadapter.sandbox import SimClock
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.custom_object_job import CustomObjectJobAdapter
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator


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
