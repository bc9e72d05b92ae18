"""Fixtures the plugin test folders share: their simulator (each folder's ``sim``
fixture) served on loopback, in frozen simulated time that only tests move, and
hubs on it (``make_profile``, ``make_hub``, ``hub``, ``finish``) for a folder that
names its ``hub_plugins`` and ``profile_name``.

The helper modules beside it (``rawserver``, ``scriptserver``, ``child_process``) serve
test modules in more than one folder: this folder is on ``sys.path`` for every test."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, settings
from jobadapter import Hub
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.model import Job
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SandboxServer, SimClock, Simulator
from jobadapter.testing import FakeSleeper
from jobadapter.transport import Response, Transport

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


# -- a hub on the folder's simulator (folders that set hub_plugins) --------------------


@pytest.fixture()
def hub_plugins() -> Sequence[ModuleType]:
    """The plugin modules a folder's hub loads (no entry points): override per folder."""
    pytest.fail("this test folder's conftest must define the hub_plugins fixture", pytrace=False)


@pytest.fixture()
def profile_name() -> str:
    return "sandbox"


@pytest.fixture()
def make_profile(
    server: SandboxServer, sim: Simulator, profile_name: str
) -> Callable[..., Profile]:
    """The simulator's ready profile, with ``changes`` (a None value drops the key)."""

    def make(**changes: Any) -> Profile:
        table = {**sim.profile(), **changes}
        return profile_from_mapping(profile_name, {k: v for k, v in table.items() if v is not None})

    return make


@pytest.fixture()
def make_hub(clock: SimClock, hub_plugins: Sequence[ModuleType]) -> Iterator[Callable[..., Hub]]:
    hubs: list[Hub] = []

    def make(profile: Profile, *, attempts: int = 1) -> Hub:
        # Retries (when allowed) wait in simulated time: no real sleeping.
        transport = Transport(retry=RetryPolicy(max_attempts=attempts), sleep=clock.advance)
        hub = Hub(
            profiles=[profile], plugins=hub_plugins, load_entrypoints=False, transport=transport
        )
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.close()


@pytest.fixture()
def hub(make_hub: Callable[..., Hub], make_profile: Callable[..., Profile]) -> Hub:
    return make_hub(make_profile())


@pytest.fixture()
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
