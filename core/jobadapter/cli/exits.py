"""Exit codes (DESIGN.md): what a script can rely on."""

from __future__ import annotations

from collections.abc import Iterable

from jobadapter.errors import (
    ConfigError,
    InvalidRequest,
    JobAdapterError,
    NotSupported,
    PluginError,
    UnknownAdapter,
    WatchDeadline,
)
from jobadapter.model import Job
from jobadapter.status import JobStatus

OK = 0
JOB_FAILED = 1
USAGE = 2
PROVIDER = 3
DEADLINE = 4


def code_for_error(error: BaseException) -> int:
    """The exit code an error ends the command with."""
    if isinstance(error, WatchDeadline):
        return DEADLINE
    if isinstance(error, (ConfigError, PluginError, UnknownAdapter, NotSupported, InvalidRequest)):
        return USAGE
    if isinstance(error, JobAdapterError):
        return PROVIDER
    return PROVIDER


def code_for_jobs(jobs: Iterable[Job]) -> int:
    """0 when every job succeeded (row failures included), 1 when one failed or was cancelled."""
    bad = {JobStatus.FAILED, JobStatus.CANCELLED}
    return JOB_FAILED if any(job.status in bad for job in jobs) else OK
