"""Failed uploads and lost answers on submit leave no duplicate job and no orphan."""

from __future__ import annotations

from typing import Any

import pytest
from custom_object_requests import ADAPTER, MakeCsv
from jobadapter import Hub, InvalidRequest, JobStatus, TransientError
from jobadapter.sandbox import Faults, SandboxServer, SimClock
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.custom_object_job import CustomObjectJobAdapter
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator


def test_failed_upload_cancels_the_orphan_job(
    hub: Hub, sim: CustomObjectJobsSimulator, make_csv: MakeCsv
) -> None:
    sim.max_file_bytes = 10  # the tenant refuses what the client let through
    with pytest.raises(InvalidRequest) as info:
        hub.submit(ADAPTER, CustomObjectJobRequest("vehicle", "create", file=make_csv(5)))
    (job,) = sim.jobs.values()
    assert job.status == "cancelled"
    assert f"upload to custom object job {job.id} failed; it was cancelled" in str(info.value)


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
