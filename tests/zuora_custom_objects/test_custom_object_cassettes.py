"""Flows replayed from cassettes (cassettes/zuora_custom_objects/), never the network.

Recorded against the simulator; see the cassette folder's README to re-record
(against the simulator, or a real Zuora sandbox tenant with credentials from the
environment). The same CSVs fail the same rows on both: ``FAIL`` sits in
``age__c``, which a real tenant rejects as a number and the simulator as a marker.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import jobadapter_zuora_common.plugin as common_plugin
import jobadapter_zuora_custom_objects.plugin as co_plugin
import pytest
from jobadapter import Hub, InvalidRequest, Job, JobStatus, RateLimited
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.testing import SANDBOX_HOST, record_mode
from jobadapter.transport import Transport
from jobadapter_zuora_common.simulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator

ADAPTER = "zuora.custom_object_job"
OBJECT = "passenger"  # a custom object with name__c (text) and age__c (integer)
START = 1_700_000_000.0
NOTHING = "CreatedDate LT 2000-01-01T00:00:00.000Z"  # matches no record: safe on a real tenant


@attrs.define
class Target:
    """Where a cassette test talks to, and how it lets time pass between polls."""

    hub: Hub
    wait: Callable[[float], None]
    simulator: CustomObjectJobsSimulator | None = None

    def until_terminal(self, job: Job, *, step: float = 1.0, polls: int = 120) -> Job:
        for _ in range(polls):
            if job.status.is_terminal:
                return job
            self.wait(step)
            job = self.hub.get(ADAPTER, job.id)
        raise AssertionError(f"job {job.id} still {job.native_status} after {polls} polls")


def _live_profile() -> Profile | None:
    """A real tenant's profile, only while recording with ZUORA_BASE_URL set."""
    base = os.environ.get("ZUORA_BASE_URL")
    if not base or record_mode() == "none":
        return None
    table = {
        "provider": "zuora",
        "base_url": base,
        "client_id_env": "ZUORA_CLIENT_ID",
        "client_secret_env": "ZUORA_CLIENT_SECRET",
    }
    return profile_from_mapping("zuora-live", table, source="<environment>")


def _recorded_origin(cassette: Any) -> str | None:
    """The API origin a recorded cassette talked to, unless it was the simulator."""
    for request in getattr(cassette, "requests", []):
        parts = urlsplit(request.uri)
        if parts.hostname and parts.hostname != SANDBOX_HOST:
            return f"{parts.scheme}://{parts.netloc}"
    return None


@pytest.fixture()
def target(jobadapter_cassette: Any) -> Iterator[Target]:
    transport = Transport(retry=RetryPolicy(max_attempts=1))
    plugins = [common_plugin, co_plugin]
    live = _live_profile()
    if live is not None:
        with Hub(
            profiles=[live], plugins=plugins, load_entrypoints=False, transport=transport
        ) as hub:
            yield Target(hub, time.sleep)
        return
    origin = _recorded_origin(jobadapter_cassette)
    if origin is not None:  # replaying a real-tenant recording: same host, dummy credentials
        table = {
            "provider": "zuora",
            "base_url": origin,
            "client_id": "replay",
            "client_secret": "replay",
        }
        profile = profile_from_mapping("zuora-replay", table)
        with Hub(
            profiles=[profile], plugins=plugins, load_entrypoints=False, transport=transport
        ) as hub:
            yield Target(hub, lambda _seconds: None)
        return
    clock = SimClock(speed=0, start=START)
    sim = CustomObjectJobsSimulator(clock=clock, seed=2024)
    with SandboxServer(sim):
        profile = profile_from_mapping("zuora-sim", sim.profile())
        with Hub(
            profiles=[profile], plugins=plugins, load_entrypoints=False, transport=transport
        ) as hub:
            yield Target(hub, clock.advance, sim)
    if record_mode() == "none":
        assert len(sim.log) == 0, "a replayed test reached the simulator: the cassette is stale"


def people(*ages: str) -> bytes:
    rows = [f"Passenger {index},{age}" for index, age in enumerate(ages, start=1)]
    return ("name__c,age__c\n" + "\n".join(rows) + "\n").encode("utf-8")


def test_create_job_to_completion_with_a_failed_row(target: Target) -> None:
    request = CustomObjectJobRequest(OBJECT, "create", file=people("31", "FAIL", "47", "52"))
    job = target.hub.submit(ADAPTER, request)
    assert job.status in (JobStatus.RUNNING, JobStatus.SUCCEEDED)
    done = target.until_terminal(job, step=0.1)
    assert done.status is JobStatus.SUCCEEDED
    assert (done.counts.processed, done.counts.failed, done.counts.succeeded) == (4, 1, 3)
    (row,) = target.hub.results(ADAPTER, job.id)
    assert row["row"] == 3
    assert row["record"]["age__c"] == "FAIL"


def test_filtered_delete_then_cancel_paths(target: Target) -> None:
    waiting = target.hub.submit(ADAPTER, CustomObjectJobRequest(OBJECT, "delete", filter=[NOTHING]))
    assert waiting.status is JobStatus.PENDING
    cancelled = target.hub.cancel(ADAPTER, waiting.id)
    assert cancelled.status is JobStatus.CANCELLED

    started = target.hub.submit(
        ADAPTER, CustomObjectJobRequest(OBJECT, "create", file=people("40"))
    )
    finished = target.until_terminal(started, step=0.5)
    with pytest.raises(InvalidRequest, match="only while it is 'accepted' or 'pending'"):
        target.hub.cancel(ADAPTER, finished.id)


def test_sixth_concurrent_job_is_rate_limited(target: Target) -> None:
    conn = target.hub.connection(ADAPTER)
    body = {"namespace": "default", "object": OBJECT, "operation": "create"}
    # Five jobs that wait for a file forever: they hold the tenant's five slots.
    held = [conn.request("POST", "/objects/jobs", json=body).json()["Id"] for _ in range(5)]
    try:
        with pytest.raises(RateLimited) as info:
            target.hub.submit(ADAPTER, CustomObjectJobRequest(OBJECT, "create", file=people("1")))
        assert info.value.code == "71012560"
    finally:
        for job_id in held:
            target.hub.cancel(ADAPTER, job_id)


def test_expired_token_mid_poll_is_refreshed(target: Target) -> None:
    job = target.hub.submit(
        ADAPTER, CustomObjectJobRequest(OBJECT, "create", file=people("20", "21"))
    )
    if target.simulator is not None:
        target.simulator.expire_tokens()  # recording against the simulator: force the 401
    else:
        # Replay or a real tenant: make the client's cached token stale the same way.
        conn = target.hub.connection(ADAPTER)
        conn.credentials.invalidate(conn.credentials.auth_headers(target.hub.transport))
    done = target.until_terminal(job, step=0.1)
    assert done.status is JobStatus.SUCCEEDED
    assert done.counts.processed == 2


def test_cassettes_hold_no_secrets(jobadapter_cassette_dir: Path) -> None:
    files = sorted(jobadapter_cassette_dir.glob("*.yaml"))
    assert len(files) >= 4
    for path in files:
        text = path.read_text(encoding="utf-8")
        for secret in (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET):
            assert secret not in text, f"{path.name} holds {secret!r}"
        for match in re.finditer(r"(?i)(bearer\s+\S+|access_token\W+\S+|jti\W+\S+)", text):
            assert "<redacted>" in match.group(0), f"{path.name}: {match.group(0)[:40]}"
        for match in re.finditer(r"client_(id|secret)=[^&\s]*", text):
            assert match.group(0).endswith("<redacted>"), f"{path.name}: {match.group(0)}"
