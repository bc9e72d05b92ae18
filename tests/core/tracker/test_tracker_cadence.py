"""When a watch polls: backoff, jitter, predicted ends, and per-profile and per-host limits."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest
from jobadapter import JobStatus, Profile, RateLimited
from jobadapter.clock import FakeClock
from jobadapter.testing.scripted import Linear, Step, scripted_hub
from jobadapter.tracker import PollPolicy, Tracker
from tracker_watch import STEADY


@pytest.mark.parametrize("counted", [True, False])
def test_polls_back_off_while_nothing_changes_and_reset_on_a_change(
    clock: FakeClock, counted: bool
) -> None:
    hub, jobs = scripted_hub(clock)
    running = (
        Step(30, JobStatus.RUNNING, processed=0, total=100)
        if counted
        else Step(30, JobStatus.RUNNING)
    )
    jobs.script("j", Step(0, JobStatus.PENDING), running, Step(200, JobStatus.SUCCEEDED))

    hub.wait("scripted.alpha", "j", policy=STEADY)

    times = jobs.times("j")
    # Fast at first (the first look finds the job, the second is at the floor),
    # then, with no latency budget (blind_max), a pending job backs off.
    assert times[:3] == [0.0, 1.0, 2.5]
    first_running = next(t for t in times if t >= 30)
    after = times[times.index(first_running) :]
    gaps = [round(b - a, 4) for a, b in itertools.pairwise(after)]
    if counted:
        # A count and a total: the change resets the interval to the shortest
        # (a second count soon gives the rate), then it backs off again.
        assert gaps[:3] == [1.0, 1.5, 2.25]
    else:
        # Nothing to predict from: the blind cadence goes on, no early look.
        assert gaps[0] > 2.25
    # Never longer than the adapter's ceiling (30 s).
    assert max(b - a for a, b in itertools.pairwise(times)) <= 30.0


def test_jitter_spreads_backoff_within_bounds(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    jobs.script("j", Step(0, JobStatus.PENDING), Step(300, JobStatus.SUCCEEDED))
    tracker = Tracker(hub, workers=0, policy=PollPolicy(jitter=0.2), rng=random.Random(1))
    tracker.add("scripted.alpha", "j")
    tracker.run()
    gaps = [b - a for a, b in itertools.pairwise(jobs.times("j"))]
    assert all(1.0 <= g <= 30.0 for g in gaps)
    below = [g for g in gaps if g < 30.0]
    assert len({round(g, 6) for g in below}) == len(below)  # not in lockstep
    # At the ceiling the gap is the worst case itself, kept exact.
    assert gaps[len(below) :] == [30.0] * (len(gaps) - len(below))


def test_polls_aim_at_the_end_the_counters_predict(clock: FakeClock) -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=2.0, poll_max=600.0)
    hub, jobs = scripted_hub(clock, profiles=[profile])
    jobs.add("j", Linear(run_at=0, end=300, total=3000))

    hub.wait("scripted.alpha", "j", policy=STEADY)

    # Anchor at 0, a second sample 2 s later gives the rate, the next poll is
    # at the predicted end less one move of the counter (it may lag by that
    # much), then at the end: four requests for a five-minute job.
    assert jobs.times("j") == [0.0, 2.0, 298.0, 300.0]


def test_prediction_is_bounded_by_poll_max_and_refined_on_the_way(clock: FakeClock) -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=0.5, poll_max=60.0)
    hub, jobs = scripted_hub(clock, profiles=[profile])
    jobs.add("j", Linear(run_at=0, end=250, total=1000))
    hub.wait("scripted.alpha", "j", policy=STEADY)
    times = jobs.times("j")
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) == 60.0 and min(gaps) >= 0.5
    assert 250.0 <= times[-1] <= 250.5 + 1e-9  # noticed within the shortest interval
    assert len(times) <= 9


def test_eta_reports_the_predicted_end_to_progress_displays(clock: FakeClock) -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=2.0, poll_max=600.0)
    hub, jobs = scripted_hub(clock, profiles=[profile])
    jobs.add("j", Linear(run_at=0, end=300, total=3000))
    tracker = hub.tracker(workers=0, policy=STEADY)
    tracker.add("scripted.alpha", "j")
    etas: list[dt.datetime | None] = []
    tracker._on_event = lambda event: etas.append(tracker.eta("scripted.alpha", "j"))
    tracker.run()
    start = jobs.start
    assert etas[0] is None  # one sample: no rate yet
    # The end, on the early side by the counter's last move (20 rows: 2 s).
    assert etas[1] == dt.datetime.fromtimestamp(start + 298, tz=dt.timezone.utc)
    assert etas[-1] is None  # finished: no longer watched
    assert tracker.eta("scripted.alpha", "nope") is None


def test_unchanged_polls_keep_aiming_at_a_predicted_end(clock: FakeClock) -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=1.0, poll_max=600.0)
    hub, jobs = scripted_hub(clock, profiles=[profile])
    # Counters move at 0..2, then freeze (batch updates) until the job ends at 100.
    jobs.script(
        "j",
        Step(0, JobStatus.RUNNING, processed=0, total=100),
        Step(1, JobStatus.RUNNING, processed=1, total=100),
        Step(100, JobStatus.SUCCEEDED, processed=100, total=100),
    )
    hub.wait("scripted.alpha", "j", policy=STEADY)
    # Aimed one counter step early (99), then, the end passed, backing off.
    assert jobs.times("j") == [0.0, 1.0, 99.0, 100.5]


def test_rate_limited_answer_delays_that_profiles_polls_only(clock: FakeClock) -> None:
    profiles = [Profile(name="a", provider="scripted"), Profile(name="b", provider="scripted")]
    hub, jobs = scripted_hub(clock, profiles=profiles)
    jobs.script(
        "limited",
        Step(0, error=RateLimited("slow down", status=429, retry_after=30)),
        Step(1, JobStatus.RUNNING),
        Step(40, JobStatus.SUCCEEDED),
    )
    for name in ("a-1", "a-2", "b-1"):
        jobs.add(name, Linear(run_at=0, end=45, counts=False))

    result = hub.track(
        [
            ("scripted.alpha", "limited", "a"),
            ("scripted.alpha", "a-1", "a"),
            ("scripted.alpha", "a-2", "a"),
            ("scripted.alpha", "b-1", "b"),
        ],
        workers=0,
        policy=STEADY,
    )

    assert len(result.finished) == 4
    a_polls = sorted(t - jobs.start for t, _, _, p in jobs.calls if p == "a")
    assert a_polls[0] == 0.0 and a_polls[1] >= 30.0  # the whole profile waited out Retry-After
    assert jobs.times("limited")[1] >= 30.0
    b_polls = jobs.times("b-1")
    assert b_polls[:3] == [0.0, 1.0, 2.5]  # the other profile went on


def test_profiles_on_one_host_share_its_rate_budget(clock: FakeClock) -> None:
    profiles = [
        Profile(
            name="a", provider="scripted", base_url="https://api.example.test", rate_per_second=2
        ),
        Profile(name="b", provider="scripted", base_url="https://API.example.test/v2"),
    ]
    hub, jobs = scripted_hub(clock, profiles=profiles)
    items: list[Any] = []
    for n in range(10):
        jobs.add(f"j{n}", Linear(run_at=0, end=1000, counts=False))
        items.append(("scripted.alpha", f"j{n}", "ab"[n % 2]))
    result = hub.track(items, workers=0, deadline=10)
    assert len(result.deadlines) == 10
    times = sorted(t - jobs.start for t, *_ in jobs.calls)
    # Two per second across both profiles (after an initial burst of two).
    for second in range(10):
        assert sum(second <= t < second + 1 for t in times) <= 2 + (second == 0)
