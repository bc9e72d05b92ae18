"""Fixtures: the Zoho bulk simulator on loopback in frozen simulated time; the hub
on it comes from tests/conftest.py with this folder's plugins."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import pytest
from jobadapter.sandbox import SimClock
from jobadapter_zoho_bulk.simulator import ZohoBulkSimulator
from zoho_bulk_samples import PLUGINS


@pytest.fixture
def sim(clock: SimClock, sim_options: dict[str, Any]) -> ZohoBulkSimulator:
    return ZohoBulkSimulator(clock=clock, **sim_options)


@pytest.fixture
def hub_plugins() -> Sequence[ModuleType]:
    return PLUGINS


@pytest.fixture
def profile_name() -> str:
    return "zoho-bulk"
