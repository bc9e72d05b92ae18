"""Every error at the command-line boundary: one line (or one JSON object) and an exit code.

People see ``error: <message>`` on stderr; with ``--json`` scripts get
``{"error": {"code": ..., "message": ..., "exit_code": ...}}`` on stdout. The
exit code is the same either way (``exits.code_for_error``). ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

from typing import Any

import click

import jobadapter.cli.exits as exits
from jobadapter.cli.output import echo_json, paint
from jobadapter.errors import (
    AuthError,
    ConfigError,
    InvalidRequest,
    NotFound,
    NotSupported,
    PermissionDenied,
    PluginError,
    ProviderError,
    RateLimited,
    UnknownAdapter,
    WatchDeadline,
)

#: The stable ``code`` of each kind of error (first match wins: subclasses first).
_CODES: tuple[tuple[type[BaseException], str], ...] = (
    (WatchDeadline, "deadline"),
    (ConfigError, "config"),
    (PluginError, "plugin"),
    (UnknownAdapter, "unknown_adapter"),
    (NotSupported, "not_supported"),
    (NotFound, "not_found"),
    (InvalidRequest, "invalid_request"),
    (AuthError, "auth"),
    (PermissionDenied, "permission_denied"),
    (RateLimited, "rate_limited"),
    (ProviderError, "provider"),
    (click.UsageError, "usage"),
    (LookupError, "not_found_locally"),
    (ConnectionError, "network"),
    (TimeoutError, "network"),
    (OSError, "os_error"),
    (ValueError, "invalid_value"),
)


def error_code(error: BaseException) -> str:
    """A short stable name for the kind of error (``not_found``, ``config``, ...)."""
    for kind, code in _CODES:
        if isinstance(error, kind):
            return code
    return "error"


def error_message(error: BaseException) -> str:
    """The one line a person reads: what went wrong and, where we know it, what to do."""
    if isinstance(error, click.ClickException):
        text = error.format_message()
    elif isinstance(error, OSError) and error.strerror and error.filename is not None:
        text = f"{error.strerror}: {error.filename}"
    else:
        text = str(error) or type(error).__name__
    if isinstance(error, NotFound) and "not found" not in text.lower():
        text = f"not found at the provider: {text}"
    return " ".join(text.split("\n"))


def error_payload(error: BaseException) -> dict[str, Any]:
    """The JSON form of one error, as scripts see it under ``--json``."""
    return {
        "code": error_code(error),
        "message": error_message(error),
        "exit_code": exits.code_for_error(error),
    }


def report_error(error: BaseException, *, as_json: bool, about: str | None = None) -> int:
    """Print ``error`` the way the command was asked to print; returns its exit code.

    ``about``: what the error is about (a job id), put first unless the message names it."""
    if as_json:
        echo_json({"error": error_payload(error)})
    else:
        message = error_message(error)
        if about is not None and about not in message:
            message = f"{about}: {message}"
        click.echo(paint(f"error: {message}", "red"), err=True)
    return exits.code_for_error(error)


def warn(text: str) -> None:
    """A warning line on stderr (yellow where colour is welcome)."""
    click.echo(paint(f"warning: {text}", "yellow"), err=True)
