"""The poll policy aiming at the end a job's counters predict: steps towards a far end,
the last step before it, overdue jobs and counters that stop."""

from __future__ import annotations

import math

import pytest
from jobadapter.tracker import Bounds, PollPolicy
from policy_looks import progress_stepper, running, watching


def test_policy_approaches_a_far_end_in_steps_bounded_by_the_jobs_age() -> None:
    policy = PollPolicy(jitter=0.0, blind_max=5.0, approach=0.5, reach=2.0)
    after = progress_stepper(policy, Bounds(1.0, 600.0))
    assert after(running(0, 1000), 0, changed=True) == 1.0
    # 1 row/s, ~1000 s to go: early rates mislead, so step at most twice the
    # time seen running (and never below the blind ceiling), re-measuring.
    assert after(running(2, 1000), 2) == 5.0
    assert after(running(7, 1000), 7) == 14.0
    # Never more than ``stride`` blind ceilings (8 x 5 s) at a time.
    assert after(running(21, 1000), 21) == 40.0
    # Faster now (and speeding up): the end comes sooner than the rate says.
    # The rate grew 13.8-fold between the middles of the last two intervals
    # (14 s and 42 s), faster than against the average since the start, and
    # is assumed to keep growing as fast.
    rate = 579 / 42
    growth = max(math.log(rate / 1.0) / 28, math.log(rate / (600 / 63)) / (42 - 31.5))
    left = 1000 - 600 - 2  # less the smallest move seen
    eta = math.log1p(growth * left / rate) / growth
    assert after(running(600, 1000), 63) == pytest.approx(eta / 2)  # half way there
    # Near the end (within the blind ceiling): aim at it.
    assert after(running(970, 1000), 100) < 5.0


def test_the_last_step_stops_far_enough_out_to_aim_at_the_end() -> None:
    """With a 2 s floor and the end 6 s away, a 5 s step would leave 1 s: the
    next poll, held at the floor, would see the end a second late. Stop 3 s
    (``landing`` = 1.5 floors) short instead, then aim at the end itself."""
    policy = PollPolicy(jitter=0.0, blind_max=5.0, approach=0.5, reach=2.0, landing=1.5)
    after = progress_stepper(policy, Bounds(2.0, 600.0))
    assert after(running(0, 100), 0, changed=True) == 2.0
    assert after(running(1, 100), 1) == 5.0  # the counter moves a row at a time
    assert after(running(10, 100), 10) == 20.0  # 1 row/s, 89 s to go: step by age
    assert after(running(92, 100), 92) == pytest.approx(4.0)  # 7 s to go: not 5
    assert after(running(96, 100), 96) == pytest.approx(3.0)  # 3 s to go: aimed at
    # It never steps below the floor, however close the end.
    assert after(running(99, 100), 98.5) == 2.0  # 0.75 s to go
    with pytest.raises(ValueError):
        PollPolicy(landing=0.5)


def test_an_overdue_job_is_watched_within_half_the_blind_ceiling() -> None:
    """Past the end its counters predicted, a job is at its end by its own count:
    that end, likely any moment, is seen within ``overdue_share`` (half) of the
    blind ceiling, not the whole of it, for as long overdue as the job had run
    when it was due; after that the prediction says nothing: blind again."""
    pace, after = watching(PollPolicy(jitter=0.0, blind_max=8.0), Bounds(1.0, 600.0))

    assert after(0, 0, changed=True) == 1.0
    # 10 rows/s; 80 rows left (less the last move): due at 9 s, aimed at.
    assert after(10, 1, moved=True) == 8.0
    delays, now = [], 9.0
    for _ in range(7):
        delays.append(after(10, now))
        now += delays[-1]
    # Backing off from the floor to 4 s, half the blind ceiling, until 18 s
    # (9 s overdue, as long as the job had run when due); then to the ceiling.
    assert delays == [1.5, 2.25, 3.375, 4.0, 6.0, 8.0, 8.0]
    # Counters that move again give a new prediction: no longer overdue.
    assert after(50, now, moved=True) < 8.0
    assert pace.due is None
    with pytest.raises(ValueError):
        PollPolicy(overdue_share=0.0)
    with pytest.raises(ValueError):
        PollPolicy(overdue_share=1.5)


def test_counters_stopped_far_from_their_end_are_watched_at_the_blind_ceiling() -> None:
    """Counters that stop far from the end they predicted may jump to it at any
    time, no moment likelier than another: the job is watched at the blind
    ceiling at once (a backoff from the floor spent looks where an end was
    no likelier)."""
    pace, after = watching(PollPolicy(jitter=0.0, blind_max=8.0), Bounds(1.0, 600.0))

    assert after(0, 0, changed=True) == 1.0
    assert after(1, 1, moved=True) == 8.0  # 1 row/s, ~98 s to go: a step
    assert [after(1, t) for t in (9, 17)] == [8.0, 8.0]
    assert pace.predicted_end is None and pace.due is None
    # Without a latency budget the ceiling is poll_max, a bound on the request
    # rate (60 s here): backed off to from the floor, as before the stop.
    _, after = watching(PollPolicy(jitter=0.0), Bounds(1.0, 60.0), total=1000)
    assert after(0, 0, changed=True) == 1.0
    assert after(1, 1, moved=True) == 60.0  # ~998 s to go: a step
    assert [after(1, 61), after(1, 62.5)] == [1.5, 2.25]
