"""Fake time for tests: replayed polling and retry backoff run instantly.

The tracker, the transport's retries and the credential caches all take a
:class:`~jobadapter.clock.Clock` (or a bare ``sleep`` callable); hand them a
:class:`FakeClock` or a :class:`FakeSleeper` and no test ever really waits.
Against a simulator, :class:`SimulatedTime` moves the simulator's time too.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from jobadapter.clock import Clock, FakeClock, SystemClock

if TYPE_CHECKING:
    from jobadapter.sandbox import SimClock

__all__ = ["Clock", "FakeClock", "FakeSleeper", "SimulatedTime", "SystemClock"]


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


class SimulatedTime(FakeClock):
    """A hub clock whose waits also move a frozen simulator's clock
    (``SimClock(speed=0)``).

    Tests of waiting and polling code (``hub.track``, ``hub.wait``, the tracker)
    against a simulator run without sleeping: each wait jumps both clocks, so the
    simulated jobs progress as if the time had really passed.
    """

    def __init__(self, simulator_clock: SimClock) -> None:
        super().__init__(start=simulator_clock.now())
        self.simulator_clock = simulator_clock

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if seconds > 0:
            self.simulator_clock.advance(seconds)
