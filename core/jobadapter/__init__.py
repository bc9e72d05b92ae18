"""jobadapter: one shape for every SaaS provider's asynchronous bulk jobs."""

from __future__ import annotations

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
from jobadapter.observe import Anomaly, AnomalyKind, Observation, observe
from jobadapter.provider import Provider
from jobadapter.serialize import from_dict, schema, to_dict
from jobadapter.status import TRANSITIONS, JobStatus
from jobadapter.statuses import StatusTable

__version__ = "0.1.0"

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
