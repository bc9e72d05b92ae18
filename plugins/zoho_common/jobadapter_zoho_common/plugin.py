"""The ``zoho_common`` plugin: registers the ``zoho`` provider every Zoho CRM adapter uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jobadapter.hookspecs import HOOK_API_VERSION, hookimpl

from jobadapter_zoho_common.provider import ZohoProvider

JOBADAPTER_API_VERSION = HOOK_API_VERSION


@hookimpl
def register_providers(register: Callable[[Any], None]) -> None:
    register(ZohoProvider())
