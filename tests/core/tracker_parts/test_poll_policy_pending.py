"""The poll policy for a job not yet running: the pending ceiling after the first look,
and whether its start is looked at again early."""

from __future__ import annotations

import random

from jobadapter import Job, JobStatus
from jobadapter.tracker import Bounds, PollPolicy
from policy_looks import looks, running


def test_a_pending_job_waits_the_pending_ceiling_after_its_first_look() -> None:
    """A queued job cannot end before it starts: with a latency budget set
    (``blind_max``), once the first look (at the floor, which catches a job
    rejected at submission) finds it pending, it waits the pending ceiling at
    once, a little past the blind one (backing off from the floor cost ~1 poll
    per job and bought no latency within that budget)."""
    policy, bounds, rng = PollPolicy(jitter=0.0, blind_max=2.0), Bounds(1.0, 30.0), random.Random(0)
    pending = Job(adapter="a.b", id="1", status=JobStatus.PENDING)
    pace = policy.start(bounds)
    delays = looks(policy, pace, bounds, pending, 4, rng=rng)
    assert delays == [3.0, 3.0, 3.0, 3.0]  # pending_stretch: 1.5 blind ceilings
    # Watched without the submission's answer: the first look finds the job
    # (a change from nothing) and looks again at the floor, then waits.
    pace = policy.start(bounds)
    delays = looks(policy, pace, bounds, pending, 3, rng=rng, first_changed=True)
    assert delays == [1.0, 3.0, 3.0]
    delays = looks(policy, pace, bounds, running(None), 4, rng=rng, first_changed=True)
    assert delays == [2.0, 2.0, 2.0, 2.0]  # running, nothing to predict: the blind ceiling


def test_without_a_latency_budget_a_pending_job_backs_off_from_the_floor() -> None:
    """With no ``blind_max`` the ceiling is ``poll_max``, a bound on the request
    rate, not a latency anyone accepted: a short job that starts and ends soon
    after its submission is still seen soon (the quick start's jobs: 8 s, not 60)."""
    policy, bounds, rng = PollPolicy(jitter=0.0), Bounds(1.0, 60.0), random.Random(0)
    pending = Job(adapter="a.b", id="1", status=JobStatus.PENDING)
    pace = policy.start(bounds)
    delays = looks(policy, pace, bounds, pending, 4, rng=rng)
    assert delays == [1.5, 2.25, 3.375, 5.0625]


def test_a_status_change_looks_early_only_when_a_rate_can_predict_the_end() -> None:
    """Pending to running with a count and a total: a look at the floor soon, to
    measure the rate. Without a total there is nothing to measure for: the job's
    age since it was submitted, not the change, sets the blind cadence (the
    extra look cost about one poll per job and saved none)."""
    policy, bounds, rng = PollPolicy(jitter=0.0, blind_max=4.0), Bounds(1.0, 30.0), random.Random(0)
    pending = Job(adapter="a.b", id="1", status=JobStatus.PENDING)
    for total, first_running_delay in ((100, 1.0), (None, 4.0)):
        pace = policy.start(bounds)
        looks(policy, pace, bounds, pending, 5, rng=rng, first_changed=True)
        delay = policy.after_observation(
            pace, bounds, running(0, total), status_changed=True, progressed=False, now=5, rng=rng
        )
        assert delay == first_running_delay, total
