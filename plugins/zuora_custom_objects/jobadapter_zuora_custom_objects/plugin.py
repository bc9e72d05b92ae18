"""The ``zuora_custom_objects`` plugin: adapter ``zuora.custom_object_job`` and its simulator.

The ``zuora`` provider it connects through comes from ``jobadapter-zuora-common``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobadapter.hookspecs import HOOK_API_VERSION, hookimpl

from jobadapter_zuora_custom_objects.custom_object_job import CustomObjectJobAdapter

JOBADAPTER_API_VERSION = HOOK_API_VERSION


@hookimpl
def register_adapters(register: Callable[[type[Any]], None]) -> None:
    register(CustomObjectJobAdapter)


@hookimpl
def register_simulators(register: Callable[..., None]) -> None:
    # By name and import path: the simulator (and werkzeug) load only when served.
    register(
        "zuora_custom_objects",
        "jobadapter_zuora_custom_objects.simulator:CustomObjectJobsSimulator",
    )
