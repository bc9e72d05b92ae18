"""jobadapter: one shape for every SaaS provider's asynchronous bulk jobs.

The public names are imported on first use (PEP 562): ``import jobadapter``, as
every command and plugin does, then costs only this file, and a command pays for
the modules it uses (``jobadapter plugins`` builds no Hub and needs no cattrs).
``from jobadapter import Hub`` works as before; type checkers and IDEs see the
imports under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobadapter.adapter import Adapter
    from jobadapter.config import Profile
    from jobadapter.errors import (
        AuthError,
        ConfigError,
        InvalidRequest,
        JobAdapterError,
        NotFound,
        NotSupported,
        PermissionDenied,
        PluginError,
        ProviderError,
        ProviderResponseError,
        RateLimited,
        TransientError,
        UnknownAdapter,
        WatchDeadline,
    )
    from jobadapter.events import Event, EventKind
    from jobadapter.hookspecs import HOOK_API_VERSION, hookimpl
    from jobadapter.hub import Hub
    from jobadapter.model import Counts, Job, JobError
    from jobadapter.observe import Anomaly, AnomalyKind, Observation
    from jobadapter.provider import Provider
    from jobadapter.serialize import from_dict, schema, to_dict
    from jobadapter.status import TRANSITIONS, JobStatus
    from jobadapter.statuses import StatusTable

# Imported now, not on first use: the name is also the submodule's, and importing
# the submodule later (the store and the tracker do) would set the package's
# ``observe`` to the module in place of the function. It costs attrs and the model,
# which every command that loads plugins imports anyway.
from jobadapter.observe import observe

__version__ = "0.1.0"

#: Each public name and the module it is imported from on first use.
_EXPORTS: dict[str, str] = {
    "Adapter": "jobadapter.adapter",
    "Profile": "jobadapter.config",
    **dict.fromkeys(
        (
            "AuthError",
            "ConfigError",
            "InvalidRequest",
            "JobAdapterError",
            "NotFound",
            "NotSupported",
            "PermissionDenied",
            "PluginError",
            "ProviderError",
            "ProviderResponseError",
            "RateLimited",
            "TransientError",
            "UnknownAdapter",
            "WatchDeadline",
        ),
        "jobadapter.errors",
    ),
    "Event": "jobadapter.events",
    "EventKind": "jobadapter.events",
    "HOOK_API_VERSION": "jobadapter.hookspecs",
    "hookimpl": "jobadapter.hookspecs",
    "Hub": "jobadapter.hub",
    "Counts": "jobadapter.model",
    "Job": "jobadapter.model",
    "JobError": "jobadapter.model",
    "Anomaly": "jobadapter.observe",
    "AnomalyKind": "jobadapter.observe",
    "Observation": "jobadapter.observe",
    "Provider": "jobadapter.provider",
    "from_dict": "jobadapter.serialize",
    "schema": "jobadapter.serialize",
    "to_dict": "jobadapter.serialize",
    "TRANSITIONS": "jobadapter.status",
    "JobStatus": "jobadapter.status",
    "StatusTable": "jobadapter.statuses",
}

__all__ = [
    "HOOK_API_VERSION",
    "TRANSITIONS",
    "Adapter",
    "Anomaly",
    "AnomalyKind",
    "AuthError",
    "ConfigError",
    "Counts",
    "Event",
    "EventKind",
    "Hub",
    "InvalidRequest",
    "Job",
    "JobAdapterError",
    "JobError",
    "JobStatus",
    "NotFound",
    "NotSupported",
    "Observation",
    "PermissionDenied",
    "PluginError",
    "Profile",
    "Provider",
    "ProviderError",
    "ProviderResponseError",
    "RateLimited",
    "StatusTable",
    "TransientError",
    "UnknownAdapter",
    "WatchDeadline",
    "from_dict",
    "hookimpl",
    "observe",
    "schema",
    "to_dict",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use, and keep the name here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
