"""Every error jobadapter raises, typed so callers can act on the kind.

Provider errors carry what is needed to act or to report (HTTP status, the
provider's own code and message, request-id headers) and never a secret:
messages pass through :func:`jobadapter.redact.redact_text` on the way in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jobadapter.headers import header_value
from jobadapter.redact import redact_text

if TYPE_CHECKING:
    from jobadapter.model import Job


class JobAdapterError(Exception):
    """Base of every error jobadapter raises on purpose."""


class ConfigError(JobAdapterError):
    """A profile, a config file or an option is missing or malformed."""


class PluginError(JobAdapterError):
    """A plugin could not be loaded or registers something inconsistent."""


class UnknownAdapter(JobAdapterError, LookupError):
    """No installed plugin provides the adapter asked for."""


class NotSupported(JobAdapterError):
    """The adapter (the provider) has no such verb: declared, not a crash."""

    def __init__(self, adapter: str, verb: str, hint: str | None = None) -> None:
        self.adapter = adapter
        self.verb = verb
        text = f"{adapter} does not support {verb!r}"
        super().__init__(f"{text}: {hint}" if hint else text)


class ProviderError(JobAdapterError):
    """The provider answered with an error, or could not be reached.

    ``status``: HTTP status (None when no answer came); ``code`` and
    ``message``: the provider's own; ``request_id``: the provider's request
    id header, when present; ``details``: the provider's extra fields.
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | int | None = None,
        request_id: str | None = None,
        details: Any = None,
        adapter: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.message = redact_text(message)
        self.status = status
        self.code = None if code is None else str(code)
        self.request_id = request_id
        self.details = details
        self.adapter = adapter
        self.method = method
        self.url = None if url is None else redact_text(url)
        super().__init__(self.message)

    def __str__(self) -> str:
        parts = []
        if self.adapter:
            parts.append(f"[{self.adapter}]")
        if self.method and self.url:
            parts.append(f"{self.method} {self.url}:")
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code is not None and not self.message.startswith(self.code):
            parts.append(f"code {self.code}")  # once: a message may already start with it
        parts.append(self.message)
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def with_context(self, *, adapter: str | None = None) -> ProviderError:
        if adapter and not self.adapter:
            self.adapter = adapter
        return self


class AuthError(ProviderError):
    """Credentials missing, wrong or expired beyond one refresh."""


class PermissionDenied(ProviderError):
    """Authenticated, but not allowed to do this."""


class NotFound(ProviderError):
    """The job (or endpoint) does not exist at the provider."""


class InvalidRequest(ProviderError):
    """The request is wrong; fix it before trying again (nothing was retried)."""


class TransientError(ProviderError):
    """A failure that may pass: 5xx, dropped connection, lock contention."""

    retryable = True


class RateLimited(TransientError):
    """Over a provider limit. ``retry_after`` says how long to wait, when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ProviderResponseError(ProviderError):
    """The provider's answer could not be understood (malformed, truncated, wrong shape)."""


class WatchDeadline(JobAdapterError):
    """A client-side watch deadline passed. The job goes on at the provider:
    ``job`` is the last one seen, still in its real (non-terminal) status."""

    def __init__(
        self, job: Job | None, deadline: dt.datetime, *, key: tuple[str, str] | None = None
    ) -> None:
        self.job = job
        self.deadline = deadline
        self.key = key or (job.key if job is not None else None)
        where = f"{self.key[0]} job {self.key[1]}" if self.key else "job"
        seen = f"last seen {job.status.value}" if job is not None else "never seen"
        super().__init__(
            f"watch deadline {deadline.isoformat()} reached for {where} ({seen}); "
            "the job continues at the provider"
        )


def error_class_for_status(status: int) -> type[ProviderError]:
    """The typed error an HTTP status means when the body says nothing better."""
    if status == 401:
        return AuthError
    if status == 403:
        return PermissionDenied
    if status in (404, 410):
        return NotFound
    if status == 429:
        return RateLimited
    if status >= 500 or status in (408, 425):
        return TransientError
    if 400 <= status < 500:
        return InvalidRequest
    return ProviderError


def request_id_from(headers: Mapping[str, str]) -> str | None:
    """The provider's request id, from whichever header it uses."""
    for name in ("Zuora-Request-Id", "X-Request-Id", "X-Zoho-Request-Id", "Request-Id"):
        value = header_value(headers, name)
        if value is not None:
            return value
    return None


__all__ = [
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
    "error_class_for_status",
    "request_id_from",
]
