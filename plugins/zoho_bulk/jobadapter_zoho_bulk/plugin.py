"""The ``zoho_bulk`` plugin: the bulk read and bulk write adapters, and their simulator.

The ``zoho`` provider they connect through comes from ``jobadapter-zoho-common``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobadapter.hookspecs import HOOK_API_VERSION, hookimpl

from jobadapter_zoho_bulk.bulk_read import BulkReadAdapter
from jobadapter_zoho_bulk.bulk_write import BulkWriteAdapter

JOBADAPTER_API_VERSION = HOOK_API_VERSION


@hookimpl
def register_adapters(register: Callable[[type[Any]], None]) -> None:
    register(BulkReadAdapter)
    register(BulkWriteAdapter)


@hookimpl
def register_simulators(register: Callable[..., None]) -> None:
    # By name and import path: the simulator (and werkzeug) load only when served.
    register("zoho_bulk", "jobadapter_zoho_bulk.simulator:ZohoBulkSimulator")
