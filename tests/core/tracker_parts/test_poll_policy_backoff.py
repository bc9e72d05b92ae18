"""The poll policy's bounds and backoff: from the floor while nothing changes, reset
by a change, doubled on errors; nonsense settings refused."""

from __future__ import annotations

import random

import pytest
from jobadapter import Job, Profile
from jobadapter.tracker import Bounds, PollPolicy
from policy_looks import running


def test_bounds_come_from_the_profile_else_the_adapter() -> None:
    assert Bounds.of((2.0, 60.0)) == Bounds(2.0, 60.0)
    prof = Profile(name="p", provider="x", poll_min=0.5, poll_max=10.0)
    assert Bounds.of((2.0, 60.0), prof) == Bounds(0.5, 10.0)
    # A floor above the adapter's ceiling lifts the ceiling; zero is refused.
    assert Bounds.of((2.0, 60.0), Profile(name="p", provider="x", poll_min=90.0)) == Bounds(90, 90)
    assert Bounds.of((0.0, 0.0)).low > 0


def test_policy_backs_off_resets_and_predicts() -> None:
    policy, bounds, rng = PollPolicy(jitter=0.0), Bounds(1.0, 30.0), random.Random(0)
    pace = policy.start(bounds)

    def after(job: Job, now: float, *, changed: bool = False, progressed: bool = False) -> float:
        return policy.after_observation(
            pace, bounds, job, status_changed=changed, progressed=progressed, now=now, rng=rng
        )

    assert after(running(None), 0, changed=True) == 1.0
    assert [after(running(None), t) for t in (1, 2, 3, 4)] == [1.5, 2.25, 3.375, 5.0625]
    # First count: only an anchor, so no prediction yet; keep backing off.
    assert after(running(10), 10, progressed=True) == 7.59375
    # 2/s; 80 rows left, less the counter's last move (10 rows): 35 s, capped
    assert after(running(20), 15, progressed=True) == 30.0
    assert pace.predicted_end == 50.0
    assert after(running(70), 40, progressed=True) == 10.0  # still 2/s: 30 - 10 rows left
    assert after(running(70), 42) == 8.0  # unchanged: still aim at the end
    assert after(running(70), 51) == 1.5  # the end passed: back off from the floor


def test_progress_without_a_total_backs_off_like_no_change() -> None:
    policy = PollPolicy(jitter=0.0)
    bounds, rng = Bounds(1.0, 30.0), random.Random(0)
    pace = policy.start(bounds)
    pace.interval = 4.0
    delays = [
        policy.after_observation(
            pace, bounds, running(n, None), status_changed=False, progressed=True, now=n, rng=rng
        )
        for n in (1, 2, 3)
    ]
    assert delays == [6.0, 9.0, 13.5]


def test_error_backoff_doubles_and_honours_retry_after() -> None:
    policy, bounds, rng = PollPolicy(jitter=0.0), Bounds(1.0, 30.0), random.Random(0)
    pace = policy.start(bounds)
    delays = [policy.after_error(pace, bounds, retry_after=None, rng=rng) for _ in range(7)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert policy.after_error(pace, bounds, retry_after=120.0, rng=rng) == 120.0
    policy.after_observation(
        pace, bounds, running(1), status_changed=True, progressed=False, now=0, rng=rng
    )
    assert pace.errors == 0


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        PollPolicy(backoff=0.5)
    with pytest.raises(ValueError):
        PollPolicy(jitter=1.5)
    with pytest.raises(ValueError):
        PollPolicy(approach=0)
    with pytest.raises(ValueError):
        PollPolicy(blind_max=0)
