"""Time as a dependency, so polling and backoff can be tested without sleeping.

The tracker, the transport's retries and the credential caches take a
:class:`Clock`. :class:`FakeClock` only moves when something sleeps on it
(or a test advances it), so a replayed watch of hours runs instantly.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float:
        """Wall-clock seconds since the epoch (deadlines are stored in this)."""

    def monotonic(self) -> float:
        """Seconds for measuring intervals."""

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


class FakeClock:
    """A clock that moves only when slept on or advanced. Thread-safe.

    ``sleep`` returns at once after moving time forward, and records the
    wait in ``sleeps`` so tests can assert on backoff.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def time(self) -> float:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        return self.time()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            if seconds > 0:
                self._now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def utcnow(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.time(), tz=dt.timezone.utc)

    def __repr__(self) -> str:
        return f"FakeClock({self.time()!r})"


def utc_from_epoch(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
