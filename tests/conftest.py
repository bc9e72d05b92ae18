"""Fixtures the plugin test folders share: their simulator (each folder's ``sim``
fixture) served on loopback, in frozen simulated time that only tests move."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, settings
from jobadapter.sandbox import SandboxServer, SimClock, Simulator
from jobadapter.testing import FakeSleeper
from jobadapter.transport import Response

# The suite runs on loaded 2-core machines (CI, several runs side by side): a wall-clock
# deadline per example or a "generation is slow" health check then fails on the
# machine's load, not on the code. Property tests judge answers; timing lives in bench/.
# too_slow only measures how long *generating* examples took; every other health check
# (filtering too much, data too large...) stays on.
settings.register_profile("jobadapter", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("jobadapter")

#: 2023-11-14T22:13:20Z: a fixed start, so simulated answers are reproducible.
START = 1_700_000_000.0


@pytest.fixture()
def clock() -> SimClock:
    return SimClock(speed=0, start=START)


@pytest.fixture()
def sim_options() -> dict[str, Any]:
    """Override (or parametrize) in a test module to configure the simulator."""
    return {}


@pytest.fixture()
def server(sim: Simulator) -> Iterator[SandboxServer]:
    with SandboxServer(sim) as running:
        yield running


@pytest.fixture()
def sleeper(clock: SimClock) -> FakeSleeper:
    """A transport ``sleep`` that moves simulated time instead of waiting."""
    return FakeSleeper(clock)


@pytest.fixture()
def profile_extra() -> dict[str, Any]:
    """Extra profile keys (timezone, track_id, ...) for a test module."""
    return {}


@pytest.fixture()
def json_decodes() -> Iterator[mock.MagicMock]:
    """Counts the answer bodies decoded as JSON during the test (``Response._parse_json``
    calls; ``Response.json()`` after the first returns the kept value)."""
    with mock.patch.object(
        Response, "_parse_json", autospec=True, side_effect=Response._parse_json
    ) as decodes:
        yield decodes
