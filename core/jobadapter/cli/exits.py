"""Exit codes (DESIGN.md): what a script can rely on."""

from __future__ import annotations

from collections.abc import Iterable

import click

from jobadapter.errors import (
    ConfigError,
    InvalidRequest,
    NotSupported,
    PluginError,
    ProviderError,
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
INTERRUPTED = 130


def code_for_error(error: BaseException) -> int:
    """The exit code an error ends the command with.

    Not found at the provider is 3; a malformed id (the provider rejects the
    request) or a record missing from the local store is 2, like any usage error.
    """
    if isinstance(error, WatchDeadline):
        return DEADLINE
    if isinstance(error, (ConfigError, PluginError, UnknownAdapter, NotSupported, InvalidRequest)):
        return USAGE
    if isinstance(error, ProviderError):
        return PROVIDER
    if isinstance(error, click.ClickException):
        return error.exit_code
    if isinstance(error, LookupError):  # a local record: a store lookup, not the provider
        return USAGE
    if isinstance(error, (ConnectionError, TimeoutError)):
        return PROVIDER
    if isinstance(error, (OSError, ValueError)):  # a path or a value the user gave
        return USAGE
    return PROVIDER


def code_for_jobs(jobs: Iterable[Job]) -> int:
    """0 when every job succeeded (row failures included), 1 when one failed or was cancelled."""
    bad = {JobStatus.FAILED, JobStatus.CANCELLED}
    return JOB_FAILED if any(job.status in bad for job in jobs) else OK
