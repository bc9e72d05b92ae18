"""The ``zuora_bulk`` plugin: Mass Updater and Bulk Data adapters, and their simulator.

The ``zuora`` provider they connect through comes from ``jobadapter-zuora-common``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobadapter.hookspecs import HOOK_API_VERSION, hookimpl

from jobadapter_zuora_bulk.bulk_job import BulkJobAdapter
from jobadapter_zuora_bulk.mass_updater import MassUpdaterAdapter

JOBADAPTER_API_VERSION = HOOK_API_VERSION


@hookimpl
def register_adapters(register: Callable[[type[Any]], None]) -> None:
    register(MassUpdaterAdapter)
    register(BulkJobAdapter)


@hookimpl
def register_simulators(register: Callable[..., None]) -> None:
    # By name and import path: the simulator (and werkzeug) load only when served.
    register("zuora_bulk", "jobadapter_zuora_bulk.simulator:ZuoraBulkSimulator")
