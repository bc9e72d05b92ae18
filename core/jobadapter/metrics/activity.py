"""What one tracking process did: polls, provider errors by kind, token refreshes, job events.

Collected through narrow observers, never by editing the transport or the
tracker: a :class:`MeteredTransport` (the public ``request`` and its
``on_retry`` callback), a store wrapper that sees each observation the
tracker records, and the ``job_changed``/``job_anomaly`` event hooks.
"""

from __future__ import annotations

import re
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from jobadapter.errors import TransientError
from jobadapter.events import Event
from jobadapter.hookspecs import hookimpl
from jobadapter.transport import Response, Transport

_STATUS = re.compile(r"HTTP (\d{3})")


def error_kind(status: int | None = None, reason: str = "") -> str | None:
    """``429``, ``5xx``, ``timeout`` or ``connection`` for a failed try; None when it is no error.

    ``reason`` is the transport's retry reason (``HTTP 503``, ``connection error: … timed out``).
    """
    if status is None:
        found = _STATUS.search(reason)
        status = int(found.group(1)) if found else None
    if status == 429:
        return "429"
    if status is not None:
        return "5xx" if status >= 500 else None
    text = reason.lower()
    return "timeout" if "timed out" in text or "timeout" in text else "connection"


class Activity:
    """The counters of one process, in their own registry (``activity.registry``)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.polls = Counter(
            "jobadapter_polls",
            "Job status observations recorded, by adapter.",
            ["adapter"],
            registry=r,
        )
        self.poll_errors = Counter(
            "jobadapter_poll_errors",
            "Failures to observe a job that the tracker recorded, by adapter.",
            ["adapter"],
            registry=r,
        )
        self.requests = Counter(
            "jobadapter_provider_requests",
            "Final answers from a provider (after any retries), by status class.",
            ["code"],
            registry=r,
        )
        self.provider_errors = Counter(
            "jobadapter_provider_errors",
            "Failed tries at a provider by kind: 429, 5xx, timeout, connection (retries included).",
            ["kind"],
            registry=r,
        )
        self.token_refreshes = Counter(
            "jobadapter_token_refreshes", "OAuth token requests, by grant.", ["grant"], registry=r
        )
        self.events = Counter(
            "jobadapter_job_events",
            "Tracker events by adapter and kind (status_changed, progress, anomaly, ...).",
            ["adapter", "kind"],
            registry=r,
        )
        self.finished = Counter(
            "jobadapter_jobs_finished",
            "Jobs this process saw reach a terminal status, by adapter and status.",
            ["adapter", "status"],
            registry=r,
        )

    # -- observers ---------------------------------------------------------------

    def transport(self, **options: Any) -> MeteredTransport:
        """A transport that counts into these metrics (pass it as ``Hub(transport=...)``)."""
        return MeteredTransport(self, **options)

    def observe_store(self, store: Any) -> Any:
        """``store`` wrapped so each observation and recorded error is counted."""
        return None if store is None else ObservedStore(store, self)

    def failed_try(self, status: int | None = None, reason: str = "") -> None:
        kind = error_kind(status, reason)
        if kind is not None:
            self.provider_errors.labels(kind).inc()

    def on_event(self, event: Event) -> None:
        """Count a tracker event (an ``on_event`` callback, or through the hooks)."""
        self.events.labels(event.adapter, event.kind.value).inc()
        job = event.job
        previous = event.previous
        if job is not None and job.is_terminal and (previous is None or not previous.is_terminal):
            self.finished.labels(event.adapter, job.status.value).inc()

    @hookimpl
    def job_changed(self, event: Event) -> None:
        self.on_event(event)

    @hookimpl
    def job_anomaly(self, event: Event) -> None:
        self.on_event(event)


class MeteredTransport(Transport):
    """The transport, counting answers, failed tries and token requests as it goes."""

    def __init__(self, activity: Activity, **options: Any) -> None:
        super().__init__(**options)
        self.activity = activity

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        activity = self.activity
        caller = kwargs.pop("on_retry", None)

        def on_retry(attempt: int, wait: float, reason: str) -> None:
            activity.failed_try(reason=reason)
            if caller is not None:
                caller(attempt, wait, reason)

        form = kwargs.get("form")
        if form and "grant_type" in form:  # RFC 6749: every token request names its grant
            activity.token_refreshes.labels(str(form["grant_type"])).inc()
        try:
            response = super().request(method, url, on_retry=on_retry, **kwargs)
        except TransientError as exc:
            activity.failed_try(reason=str(exc))
            raise
        activity.requests.labels(f"{response.status // 100}xx").inc()
        activity.failed_try(status=response.status)
        return response


class ObservedStore:
    """A store that counts what the tracker records into it; everything else passes through."""

    def __init__(self, store: Any, activity: Activity) -> None:
        self._store = store
        self._activity = activity

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def observe(self, job: Any, *args: Any, **kwargs: Any) -> Any:
        result = self._store.observe(job, *args, **kwargs)
        self._activity.polls.labels(job.adapter).inc()
        return result

    def record_error(self, adapter: str, job_id: str, error: str, at: Any = None) -> None:
        self._store.record_error(adapter, job_id, error, at)
        self._activity.poll_errors.labels(adapter).inc()
