"""Connections for the tracker that tell the rate budget what answers say.

Adapters return Jobs, not responses, so the rate-limit headers of a status
answer never reach the tracker through them. The tracker therefore gives
adapters a connection whose transport forwards every call to the hub's
shared transport (same connection pool, same retries) and reports each
answer's status and headers, and each 429 retry, to the host's budget.
"""

from __future__ import annotations

from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

from jobadapter.auth import Credentials
from jobadapter.clock import Clock
from jobadapter.connection import Connection
from jobadapter.tracker.budget import HostBudget
from jobadapter.transport import Response, Transport


class ObservedTransport:
    """Forwards to ``inner``; feeds every answer to ``budget``."""

    def __init__(self, inner: Transport, budget: HostBudget, clock: Clock) -> None:
        self._inner = inner
        self._budget = budget
        self._clock = clock

    def __repr__(self) -> str:
        return f"<ObservedTransport {self._budget.key} via {self._inner!r}>"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _on_retry(self, attempt: int, wait: float, reason: str) -> None:
        # The transport is about to wait out a 429 itself; the other workers
        # on this host should not spend the same window meanwhile.
        if reason == "HTTP 429":
            self._budget.pause(self._clock.monotonic() + wait)

    def _ours(self, url: str) -> bool:
        """Whether ``url`` is on the budget's host (a token endpoint elsewhere
        has its own limits, which must not slow the status polls)."""
        key = self._budget.key
        if key.startswith("profile:"):
            return True
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc.lower()}" == key

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        ours = self._ours(url)
        if ours and kwargs.get("on_retry") is None:
            kwargs["on_retry"] = self._on_retry
        response = self._inner.request(method, url, **kwargs)
        if ours:
            self._budget.note_response(response.status, response.headers, self._clock.monotonic())
        return response

    def download(self, url: str, dest: BinaryIO, **kwargs: Any) -> int:
        return self._inner.download(url, dest, **kwargs)


class TrackedConnection(Connection):
    """A connection sharing ``base``'s credentials (one token cache per profile)
    and the hub's connection pool, observed by the tracker's rate budget."""

    def __init__(self, base: Connection, budget: HostBudget, clock: Clock) -> None:
        observed = ObservedTransport(base.transport, budget, clock)
        super().__init__(
            profile=base.profile,
            provider=base.provider,
            # Not a Transport subclass: it forwards every call to one (see module doc).
            transport=cast(Transport, observed),
        )
        self._base = base

    @property
    def credentials(self) -> Credentials:
        return self._base.credentials
