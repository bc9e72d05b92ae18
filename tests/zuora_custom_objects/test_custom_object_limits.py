"""The tenant's limits: five jobs at once, 15 MB files, token lifetime and rate limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from custom_object_requests import ADAPTER, MakeCsv, delete_by_filter
from jobadapter import Hub, InvalidRequest, JobError, JobStatus, RateLimited
from jobadapter.sandbox import SimClock
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator


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
