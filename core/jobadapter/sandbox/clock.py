"""Simulated time, so a simulated job can take "an hour" in a second of a test.

Simulators read the time from a :class:`SimClock` rather than :func:`time.time`:
a demo runs jobs faster than life (``speed``), and a test moves time by hand
(``advance``) or freezes it (``speed=0``) instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import threading
import time


class SimClock:
    """Simulated time for simulators: real time times `speed`, plus manual advances. Thread-safe."""

    def __init__(self, *, speed: float = 1.0, start: float | None = None) -> None:
        _check_speed(speed)
        self._lock = threading.Lock()
        self._speed = float(speed)
        # Simulated time is ``_base + (monotonic() - _anchor) * _speed``; a
        # monotonic anchor keeps it steady when the wall clock is adjusted.
        self._base = time.time() if start is None else float(start)
        self._anchor = time.monotonic()

    def _now_locked(self) -> float:
        return self._base + (time.monotonic() - self._anchor) * self._speed

    def now(self) -> float:
        """Simulated epoch seconds."""
        with self._lock:
            return self._now_locked()

    def utcnow(self) -> dt.datetime:
        """Simulated now as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.now(), tz=dt.timezone.utc)

    def advance(self, seconds: float) -> None:
        """Jump forward by ``seconds`` of simulated time (never backwards)."""
        if seconds < 0:
            raise ValueError(f"SimClock.advance() takes seconds >= 0, not {seconds!r}")
        with self._lock:
            self._base += seconds

    # -- the jobadapter.clock.Clock protocol, so a client can share simulated time --

    def time(self) -> float:
        """Simulated epoch seconds (same as :meth:`now`)."""
        return self.now()

    def monotonic(self) -> float:
        """Simulated seconds; never goes backwards."""
        return self.now()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of simulated time: frozen, jump there; running, wait ``seconds / speed``."""
        if seconds <= 0:
            return
        if self._speed == 0:
            self.advance(seconds)
        else:
            time.sleep(seconds / self._speed)

    @property
    def speed(self) -> float:
        """Simulated seconds per real second (0 freezes the clock between advances)."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        _check_speed(value)
        with self._lock:
            # Re-anchor so a change of pace never makes time jump.
            self._base = self._now_locked()
            self._anchor = time.monotonic()
            self._speed = float(value)

    def __repr__(self) -> str:
        return f"SimClock(speed={self._speed!r}, now={self.now():.3f})"


def _check_speed(speed: float) -> None:
    if not speed >= 0:  # also refuses NaN
        raise ValueError(f"SimClock speed must be >= 0, not {speed!r}")
