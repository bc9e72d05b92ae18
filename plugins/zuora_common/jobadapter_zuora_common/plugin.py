"""The ``zuora_common`` plugin: registers the ``zuora`` provider every Zuora adapter uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobadapter.hookspecs import HOOK_API_VERSION, hookimpl

from jobadapter_zuora_common.provider import ZuoraProvider

JOBADAPTER_API_VERSION = HOOK_API_VERSION


@hookimpl
def register_providers(register: Callable[[Any], None]) -> None:
    register(ZuoraProvider())
