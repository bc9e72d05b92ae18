"""Fixtures: the Zoho simulator on loopback in frozen simulated time; the hub wired
to it comes from tests/conftest.py with this folder's plugins."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

import jobadapter_zoho_common.plugin as zoho_common_plugin
import jobadapter_zoho_mass_update.plugin as zoho_plugin
import pytest
from jobadapter.sandbox import SimClock
from jobadapter_zoho_mass_update.simulator import ZohoMassUpdateSimulator


@pytest.fixture
def clock() -> SimClock:
    return SimClock(speed=0)  # time moves only when a test advances it


@pytest.fixture
def sim(clock: SimClock) -> ZohoMassUpdateSimulator:
    return ZohoMassUpdateSimulator(clock=clock)


@pytest.fixture
def hub_plugins() -> Sequence[ModuleType]:
    return (zoho_common_plugin, zoho_plugin)


@pytest.fixture
def profile_name() -> str:
    return "zoho-sandbox"
