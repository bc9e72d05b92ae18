"""How many requests the tracker may send, and how fast.

Two limits, because providers enforce two: a cap on concurrent requests per
account (``Profile.max_in_flight``, enforced by :class:`Lane`) and a request
rate per host (``Profile.rate_per_second``, a token bucket in
:class:`HostBudget`) that slows down on its own when the provider answers 429
or says, in ``RateLimit-Remaining``, that little of its window is left.
"""

from __future__ import annotations

import collections
import math
import re
import threading
from collections.abc import Mapping
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from jobadapter.config import Profile
from jobadapter.headers import header_value
from jobadapter.redact import get_logger
from jobadapter.retry import wait_hint

log = get_logger("tracker")

T = TypeVar("T")

_NUMBER = re.compile(r"\d+(?:\.\d+)?")

#: A ``RateLimit-Remaining`` at or below this share of ``RateLimit-Limit`` is "low".
LOW_WATER = 0.1
#: Without a ``RateLimit-Limit``, this many remaining requests is "low".
LOW_WATER_ABSOLUTE = 2
#: Pause when the window is spent but the provider gives no reset time.
DEFAULT_PAUSE = 1.0


def host_key(profile: Profile) -> str:
    """The rate-budget key of ``profile``: its API host, else the profile itself."""
    if profile.base_url:
        parts = urlsplit(profile.base_url)
        if parts.netloc:
            return f"{parts.scheme}://{parts.netloc.lower()}"
    return f"profile:{profile.name}"


def _first_number(value: str | None) -> float | None:
    if value is None:
        return None
    match = _NUMBER.search(value)
    return float(match.group()) if match else None


class HostBudget:
    """A token bucket for one host, with pauses. Thread-safe.

    ``rate`` (requests per second, None for no configured limit) refills the
    bucket; ``burst`` is its size. A 429 pauses the host until its
    ``Retry-After``; a low ``RateLimit-Remaining`` caps the rate to what is
    left of the window until it resets. Times are the tracker clock's
    ``monotonic`` seconds.
    """

    def __init__(self, key: str, rate: float | None = None, *, now: float = 0.0) -> None:
        self.key = key
        self._lock = threading.Lock()
        self._rate = rate
        self._tokens = self._burst(rate)
        self._updated = now
        self._paused_until = -math.inf
        self._cap: float | None = None
        self._cap_until = -math.inf
        #: Times the provider told us to slow down (429 or a low remaining count).
        self.slowdowns = 0

    def __repr__(self) -> str:
        return f"<HostBudget {self.key} rate={self._rate}>"

    @staticmethod
    def _burst(rate: float | None) -> float:
        return max(1.0, rate) if rate is not None else 1.0

    def limit_rate(self, rate: float | None) -> None:
        """Apply a profile's configured rate: the lowest of the host's profiles wins."""
        if rate is None:
            return
        with self._lock:
            if self._rate is None or rate < self._rate:
                self._rate = rate
                self._tokens = min(self._tokens, self._burst(rate))

    def _effective_rate(self, now: float) -> float | None:
        rate = self._rate
        if self._cap is not None and now < self._cap_until:
            rate = self._cap if rate is None else min(rate, self._cap)
        return rate

    def _refill(self, now: float) -> float | None:
        rate = self._effective_rate(now)
        if rate is None:
            self._tokens = 1.0
        elif now > self._updated:
            self._tokens = min(self._burst(rate), self._tokens + (now - self._updated) * rate)
        self._updated = max(self._updated, now)
        return rate

    def ready_at(self, now: float) -> float:
        """The earliest time the next request may start."""
        with self._lock:
            rate = self._refill(now)
            at = now
            if rate is not None and self._tokens < 1.0:
                at = now + (1.0 - self._tokens) / rate
            return max(at, self._paused_until)

    def try_take(self, now: float) -> bool:
        """Spend one request now, if the budget allows."""
        with self._lock:
            if now < self._paused_until:
                return False
            self._refill(now)
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True

    def pause(self, until: float) -> None:
        """Send nothing to this host before ``until``."""
        with self._lock:
            if until > self._paused_until:
                self._paused_until = until
                self.slowdowns += 1

    def note_response(self, status: int, headers: Mapping[str, str], now: float) -> None:
        """Learn from one answer's status and rate-limit headers."""
        hint = wait_hint(headers)
        if status == 429:
            self.pause(now + (hint if hint is not None else DEFAULT_PAUSE))
            return
        remaining = _first_number(
            header_value(headers, "RateLimit-Remaining")
            or header_value(headers, "X-RateLimit-Remaining")
        )
        if remaining is None:
            return
        limit = _first_number(
            header_value(headers, "RateLimit-Limit") or header_value(headers, "X-RateLimit-Limit")
        )
        low = max(LOW_WATER_ABSOLUTE, LOW_WATER * limit) if limit else LOW_WATER_ABSOLUTE
        if remaining > low:
            return
        window = hint if hint is not None and hint > 0 else DEFAULT_PAUSE
        if remaining < 1:
            log.info("%s: rate-limit window spent; pausing %.1fs", self.key, window)
            self.pause(now + window)
            return
        with self._lock:
            self._refill(now)  # time before now counts at the old rate
            self._cap = remaining / window
            self._cap_until = now + window
            self._tokens = min(self._tokens, 1.0)
            self.slowdowns += 1
        log.info(
            "%s: %d requests left in the window; slowing to %.2f/s",
            self.key,
            remaining,
            remaining / window,
        )


class Lane(Generic[T]):
    """One profile's queue of jobs due for a poll, with its in-flight cap.

    Only the tracker's scheduler thread touches a lane, so it needs no lock.
    """

    __slots__ = ("host", "in_flight", "limit", "name", "peak", "ready")

    def __init__(self, name: str, limit: int, host: HostBudget) -> None:
        if limit < 1:
            raise ValueError(f"profile {name!r}: max_in_flight must be >= 1, got {limit}")
        self.name = name
        self.limit = limit
        self.host = host
        self.in_flight = 0
        self.peak = 0
        self.ready: collections.deque[T] = collections.deque()

    def __repr__(self) -> str:
        return f"<Lane {self.name} {self.in_flight}/{self.limit} ready={len(self.ready)}>"

    @property
    def has_room(self) -> bool:
        return self.in_flight < self.limit

    def started(self) -> None:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)

    def finished(self) -> None:
        self.in_flight -= 1
