"""Fixtures: the custom object simulator on loopback, in frozen simulated time,
and a hub that reaches it with only the two Zuora plugins this one needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jobadapter_zuora_common.plugin as common_plugin
import jobadapter_zuora_custom_objects.plugin as co_plugin
import pytest
from jobadapter import Hub
from jobadapter.config import profile_from_mapping
from jobadapter.connection import Connection
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.testing import FakeSleeper
from jobadapter.transport import Transport
from jobadapter_zuora_custom_objects.custom_object_job import CustomObjectJobAdapter
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator

ADAPTER = "zuora.custom_object_job"


#: A transport ``sleep`` that moves simulated time instead of waiting.
Sleeper = FakeSleeper


@pytest.fixture()
def sim(clock: SimClock, sim_options: dict[str, Any]) -> CustomObjectJobsSimulator:
    return CustomObjectJobsSimulator(clock=clock, seed=7, **sim_options)


@pytest.fixture()
def hub(
    server: SandboxServer, sim: CustomObjectJobsSimulator, sleeper: Sleeper, clock: SimClock
) -> Iterator[Hub]:
    """Watches and retries wait in the simulator's time (``clock``), never for real."""
    profile = profile_from_mapping("zuora-sim", sim.profile())
    with Hub(
        profiles=[profile],
        plugins=[common_plugin, co_plugin],
        load_entrypoints=False,
        transport=Transport(sleep=sleeper),
        clock=clock,
    ) as running:
        yield running


@pytest.fixture()
def conn(hub: Hub) -> Connection:
    return hub.connection(ADAPTER)


@pytest.fixture()
def adapter(hub: Hub) -> CustomObjectJobAdapter:
    found = hub.adapter(ADAPTER)
    assert isinstance(found, CustomObjectJobAdapter)
    return found


@pytest.fixture()
def make_csv() -> Any:
    """``make_csv(count, failing=(...))``: see :func:`csv_rows`."""
    return csv_rows


def csv_rows(count: int, *, failing: tuple[int, ...] = ()) -> bytes:
    """A create CSV of ``count`` rows; data rows numbered from 1 in ``failing`` hold FAIL."""
    lines = ["name__c,age__c"]
    for index in range(1, count + 1):
        name = "FAIL" if index in failing else f"passenger {index}"
        lines.append(f"{name},{20 + index}")
    return ("\n".join(lines) + "\n").encode("utf-8")
