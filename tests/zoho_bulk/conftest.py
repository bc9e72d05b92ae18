"""Fixtures: the Zoho bulk simulator on loopback in frozen simulated time, and a hub on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from jobadapter import Hub
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.model import Job
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.transport import Transport
from jobadapter_zoho_bulk.simulator import ZohoBulkSimulator
from zoho_bulk_samples import PLUGINS


@pytest.fixture
def sim(clock: SimClock, sim_options: dict[str, Any]) -> ZohoBulkSimulator:
    return ZohoBulkSimulator(clock=clock, **sim_options)


@pytest.fixture
def make_profile(server: SandboxServer, sim: ZohoBulkSimulator) -> Callable[..., Profile]:
    def make(**changes: Any) -> Profile:
        table = {**sim.profile(), **changes}
        return profile_from_mapping("zoho-bulk", {k: v for k, v in table.items() if v is not None})

    return make


@pytest.fixture
def make_hub(clock: SimClock) -> Iterator[Callable[..., Hub]]:
    hubs: list[Hub] = []

    def make(profile: Profile, *, attempts: int = 1) -> Hub:
        transport = Transport(retry=RetryPolicy(max_attempts=attempts), sleep=clock.advance)
        hub = Hub(profiles=[profile], plugins=PLUGINS, load_entrypoints=False, transport=transport)
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.close()


@pytest.fixture
def hub(make_hub: Callable[..., Hub], make_profile: Callable[..., Profile]) -> Hub:
    return make_hub(make_profile())


@pytest.fixture
def finish(clock: SimClock) -> Callable[..., list[Job]]:
    """Poll a job, advancing simulated time ``step`` seconds between polls, until terminal."""

    def run(hub: Hub, job: Job, *, step: float = 1.0, limit: int = 300) -> list[Job]:
        seen = [job]
        for _ in range(limit):
            if seen[-1].is_terminal:
                return seen
            clock.advance(step)
            seen.append(hub.get(job.adapter, job.id))
        raise AssertionError(f"job {job.id} did not finish in {limit} polls")

    return run
