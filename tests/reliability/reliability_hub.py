"""The client side of the reliability world: profiles for the served simulators,
a transport whose retries wait milliseconds, and a hub and store that keep the
simulators' time (never real time), so transitions compare with the simulators'.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jobadapter_zoho_common.plugin as zoho_common_plugin
import jobadapter_zoho_mass_update.plugin as zoho_plugin
import jobadapter_zuora_bulk.plugin as bulk_plugin
import jobadapter_zuora_common.plugin as common_plugin
import jobadapter_zuora_custom_objects.plugin as co_plugin
from jobadapter import Hub
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SimClock
from jobadapter.store import SqliteStore
from jobadapter.transport import Timeouts, Transport
from reliability_sims import Sims

PLUGINS = (common_plugin, co_plugin, zoho_common_plugin, zoho_plugin, bulk_plugin)


#: Fast polling for simulated jobs that last a few real seconds.
POLLING = {"poll_min": 0.02, "poll_max": 0.25, "max_in_flight": 8, "timeout": 10}


def profile_tables(sims: Sims, extra: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """TOML-style tables of the three profiles (the server must be running)."""
    more = dict(extra or {})
    return {
        "co": {**sims.co.profile(), **POLLING, **more},
        "zoho": {**sims.zoho.profile(), **POLLING, **more},
        "zb": {**sims.bulk.profile(), **POLLING, **more},
    }


def profiles(tables: Mapping[str, Mapping[str, Any]]) -> list[Profile]:
    return [profile_from_mapping(name, dict(table)) for name, table in tables.items()]


def fast_options() -> dict[str, Any]:
    """Transport settings whose retries wait milliseconds: faults cost the suite no time."""
    return {
        "timeouts": Timeouts(connect=5.0, read=10.0),
        "retry": RetryPolicy(
            max_attempts=8, budget=5.0, backoff_base=0.005, backoff_cap=0.05, retry_after_cap=0.05
        ),
    }


def fast_transport() -> Transport:
    return Transport(**fast_options())


def world_store(path: Path, clock: SimClock) -> SqliteStore:
    """The world's store, on the simulators' clock (the hub's: see :func:`make_hub`)."""
    return SqliteStore(path, now=clock.utcnow)


def make_hub(
    tables: Mapping[str, Mapping[str, Any]],
    store: SqliteStore | None,
    *,
    clock: SimClock | None = None,
    transport: Transport | None = None,
) -> Hub:
    """A hub on the simulators' clock: its tracker stamps observations in the same
    time as the store (:func:`world_store`) and the simulators, never in real time.
    A hub that keeps nothing (no store) may run on the real clock."""
    if store is not None and clock is None:
        raise TypeError("a hub with a store takes the store's clock: make_hub(..., clock=)")
    return Hub(
        config=False,
        clock=clock,
        profiles=profiles(tables),
        plugins=PLUGINS,
        load_entrypoints=False,
        transport=transport or fast_transport(),
        store=store,
    )
