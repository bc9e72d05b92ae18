"""The simulated clock: frozen or scaled, moved only forward, shared by hub and simulator."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from jobadapter.sandbox import SimClock

# -- clock ----------------------------------------------------------------------------


def test_clock_advance_and_frozen_speed() -> None:
    clock = SimClock(speed=0, start=1_000.0)
    assert clock.now() == 1_000.0
    clock.advance(90)
    assert clock.now() == 1_090.0
    assert clock.utcnow() == dt.datetime(1970, 1, 1, 0, 18, 10, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        SimClock(speed=-2)


def test_clock_speed_scales_real_time_without_jumps() -> None:
    clock = SimClock(speed=1000, start=0.0)
    time.sleep(0.005)
    fast = clock.now()
    assert fast >= 5.0
    clock.speed = 0
    frozen = clock.now()
    assert frozen >= fast
    time.sleep(0.002)
    assert clock.now() == frozen
    assert clock.speed == 0
    assert abs(SimClock().now() - time.time()) < 1.0


def test_simclock_is_a_clock_a_client_can_share() -> None:
    """Frozen, sleeping jumps simulated time; a hub and a simulator can share it."""
    from jobadapter.clock import Clock

    clock = SimClock(speed=0, start=1000.0)
    shared: Clock = clock
    shared.sleep(30)
    shared.sleep(-5)
    assert clock.now() == shared.time() == shared.monotonic() == 1030.0
