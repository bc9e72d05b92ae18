"""Fixtures: the zuora_bulk simulator on loopback in frozen simulated time, and a
hub that reaches it with only the two plugins this one needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jobadapter_zuora_bulk.plugin as bulk_plugin
import jobadapter_zuora_common.plugin as common_plugin
import pytest
from jobadapter import Hub
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.transport import Transport
from jobadapter_zuora_bulk.simulator import ZuoraBulkSimulator
from zuora_bulk_support import Sleeper


@pytest.fixture()
def sim(clock: SimClock, sim_options: dict[str, Any]) -> ZuoraBulkSimulator:
    return ZuoraBulkSimulator(clock=clock, seed=11, **sim_options)


@pytest.fixture()
def sleeper(clock: SimClock) -> Sleeper:
    return Sleeper(clock)


@pytest.fixture()
def profile(
    server: SandboxServer, sim: ZuoraBulkSimulator, profile_extra: dict[str, Any]
) -> Profile:
    return profile_from_mapping("zuora-sim", {**sim.profile(), **profile_extra})


@pytest.fixture()
def hub(profile: Profile, sleeper: Sleeper) -> Iterator[Hub]:
    with Hub(
        profiles=[profile],
        plugins=[common_plugin, bulk_plugin],
        load_entrypoints=False,
        transport=Transport(sleep=sleeper),
    ) as running:
        yield running
