"""Fixtures: a minimal Zuora simulator built on the shared base, served on
loopback in frozen simulated time, and a connection through the zuora provider."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jobadapter.config import profile_from_mapping
from jobadapter.connection import Connection
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.transport import Transport
from jobadapter_zuora_common.provider import ZuoraProvider
from zuora_common_support import EchoSimulator, Sleeper


@pytest.fixture()
def sim(clock: SimClock, sim_options: dict[str, Any]) -> EchoSimulator:
    return EchoSimulator(clock=clock, seed=3, **sim_options)


@pytest.fixture()
def conn(
    server: SandboxServer, sim: EchoSimulator, sleeper: Sleeper, profile_extra: dict[str, Any]
) -> Iterator[Connection]:
    profile = profile_from_mapping("zuora-echo", {**sim.profile(), **profile_extra})
    transport = Transport(sleep=sleeper)
    yield Connection(profile=profile, provider=ZuoraProvider(), transport=transport)
    transport.close()
