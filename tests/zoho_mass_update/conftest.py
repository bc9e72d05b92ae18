"""Fixtures: the Zoho simulator on loopback in frozen simulated time, and a hub wired to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jobadapter_zoho_common.plugin as zoho_common_plugin
import jobadapter_zoho_mass_update.plugin as zoho_plugin
import pytest
from jobadapter import Hub
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.model import Job
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.transport import Transport
from jobadapter_zoho_mass_update.simulator import ZohoMassUpdateSimulator

ADAPTER = "zoho.mass_update"


@pytest.fixture
def clock() -> SimClock:
    return SimClock(speed=0)  # time moves only when a test advances it


@pytest.fixture
def sim(clock: SimClock) -> ZohoMassUpdateSimulator:
    return ZohoMassUpdateSimulator(clock=clock)


@pytest.fixture
def make_profile(server: SandboxServer, sim: ZohoMassUpdateSimulator) -> Callable[..., Profile]:
    def make(**changes: Any) -> Profile:
        table = {**sim.profile(), **changes}
        return profile_from_mapping(
            "zoho-sandbox", {k: v for k, v in table.items() if v is not None}
        )

    return make


@pytest.fixture
def make_hub(clock: SimClock) -> Iterator[Callable[..., Hub]]:
    hubs: list[Hub] = []

    def make(profile: Profile, *, attempts: int = 1) -> Hub:
        # Retries (when allowed) wait in simulated time: no real sleeping.
        transport = Transport(retry=RetryPolicy(max_attempts=attempts), sleep=clock.advance)
        hub = Hub(
            profiles=[profile],
            plugins=[zoho_common_plugin, zoho_plugin],
            load_entrypoints=False,
            transport=transport,
        )
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

    def run(hub: Hub, job: Job, *, step: float = 1.0, limit: int = 200) -> list[Job]:
        seen = [job]
        for _ in range(limit):
            if seen[-1].is_terminal:
                return seen
            clock.advance(step)
            seen.append(hub.get(ADAPTER, job.id))
        raise AssertionError(f"job {job.id} did not finish in {limit} polls")

    return run
