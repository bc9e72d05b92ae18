"""Fake time for tests: replayed polling and retry backoff run instantly.

The tracker, the transport's retries and the credential caches all take a
:class:`~jobadapter.clock.Clock` (or a bare ``sleep`` callable); hand them a
:class:`FakeClock` or a :class:`FakeSleeper` and no test ever really waits.
"""

from __future__ import annotations

import threading

from jobadapter.clock import Clock, FakeClock, SystemClock

__all__ = ["Clock", "FakeClock", "FakeSleeper", "SystemClock"]


class FakeSleeper:
    """A ``sleep(seconds)`` callable that records waits and moves a fake clock
    (a :class:`FakeClock`, or a frozen simulator ``SimClock``).

    For code that takes a ``sleep=`` function rather than a whole clock.
    ``total`` is the time the code under test would have waited.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock if clock is not None else FakeClock()
        self.calls: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.calls.append(seconds)
        self.clock.sleep(seconds)

    @property
    def total(self) -> float:
        with self._lock:
            return sum(s for s in self.calls if s > 0)

    def __repr__(self) -> str:
        return f"FakeSleeper(calls={len(self.calls)}, total={self.total!r})"
