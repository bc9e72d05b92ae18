"""The plugin's hook implementations: the adapter and the simulator.

The ``zoho`` provider it connects through comes from ``jobadapter-zoho-common``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobadapter.hookspecs import hookimpl

JOBADAPTER_API_VERSION = "1.0"


@hookimpl
def register_adapters(register: Callable[[type[Any]], None]) -> None:
    from jobadapter_zoho_mass_update.mass_update import MassUpdateAdapter

    register(MassUpdateAdapter)


@hookimpl
def register_simulators(register: Callable[..., None]) -> None:
    # By name and import path: the simulator (and werkzeug) load only when served.
    register("zoho_mass_update", "jobadapter_zoho_mass_update.simulator:ZohoMassUpdateSimulator")
