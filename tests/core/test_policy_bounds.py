"""Property: whatever a provider answers, the policy's steps stay within bounds.

The grid in bench/tracking_bench.py measures a few shapes; this holds the bound
for any sequence of statuses, counts and totals."""

from __future__ import annotations

import random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from jobadapter import Job, JobStatus
from jobadapter.model import Counts
from jobadapter.tracker import Bounds, PollPolicy

STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)

observations = st.lists(
    st.tuples(
        st.sampled_from(STATUSES),
        st.one_of(st.none(), st.integers(0, 10_000)),  # processed
        st.one_of(st.none(), st.integers(1, 10_000)),  # total
        st.floats(0.0, 400.0),  # seconds since the previous observation
    ),
    min_size=1,
    max_size=40,
)


@given(
    observations,
    st.floats(0.5, 5.0),
    st.floats(5.0, 600.0),
    st.floats(1.0, 60.0),
    st.floats(0.0, 0.5),
)
def test_every_step_stays_within_the_bounds_and_the_blind_ceiling(
    seen: list[tuple[JobStatus, int | None, int | None, float]],
    low: float,
    high: float,
    blind_max: float,
    jitter: float,
) -> None:
    policy = PollPolicy(blind_max=blind_max, jitter=jitter)
    bounds = Bounds(low, high)
    blind = max(low, min(high, blind_max))
    pace, rng = policy.start(bounds), random.Random(0)
    now, last = 0.0, None
    for status, processed, total, wait in seen:
        now += wait
        job = Job(adapter="a.b", id="1", status=status, counts=Counts(total, processed))
        delay = policy.after_observation(
            pace,
            bounds,
            job,
            status_changed=last is None or last.status is not status,
            progressed=last is not None and last.counts != job.counts,
            now=now,
            rng=rng,
        )
        assert low - 1e-9 <= delay <= high + 1e-9
        # Towards a predicted end: at most ``stride`` blind ceilings a step.
        assert delay <= max(low, policy.stride * blind) + 1e-9
        if pace.predicted_end is None:
            # Blind: the ceiling (a pending job's is ``pending_stretch`` longer).
            stretch = policy.pending_stretch if status is JobStatus.PENDING else 1.0
            assert delay <= min(high, blind * stretch) + 1e-9
        last = job


def seen_late(
    exponent: float, duration: float, total: int, batch: int, stall: float | None = None
) -> float:
    """How late the policy (5 s blind ceiling, 2 s floor) sees the end of a job whose
    rows follow ``time ** exponent`` in batches (stopping at ``stall`` of the
    running time, if given, and jumping to the end)."""
    policy, bounds = PollPolicy(jitter=0.0, blind_max=5.0), Bounds(2.0, 300.0)
    pace, rng = policy.start(bounds), random.Random(0)
    now, last = 0.0, None
    while now < duration:
        share = (now / duration) ** exponent
        if stall is not None:
            share = min(share, stall**exponent)
        done = int(total * share) // batch * batch
        job = Job(adapter="a.b", id="1", status=JobStatus.RUNNING, counts=Counts(total, done))
        now += policy.after_observation(
            pace,
            bounds,
            job,
            status_changed=last is None,
            progressed=last is not None and done != last,
            now=now,
            rng=rng,
        )
        last = done
    return now - duration


@pytest.mark.parametrize("exponent", [0.1, 0.3, 1.0, 3.0, 10.0])
@pytest.mark.parametrize("stall", [None, 0.5])
@pytest.mark.parametrize("batch", [1, 50])
@pytest.mark.parametrize("duration", [20.0, 90.0, 240.0])
def test_no_progress_shape_makes_the_policy_blind(
    exponent: float, stall: float | None, batch: int, duration: float
) -> None:
    """Rows ~ time**exponent (a steep end at 3 and 10), counters that move in
    batches, or that stop half way and jump to the end: the poll after the end
    comes within two blind ceilings of it while the counters keep moving, and
    within ``stride`` blind ceilings (the longest step towards a predicted end)
    always."""
    late = seen_late(exponent, duration, 1000, batch, stall)
    assert late <= (2 * 5.0 if stall is None else PollPolicy().stride * 5.0)


@example(19.0, 191.0, 57, 50)  # main before 5 Dec: a poll 10.2 s after the end
@given(
    st.floats(0.05, 20.0),  # exponent: rows ~ time ** exponent
    st.floats(3.0, 900.0),  # running time, seconds
    st.integers(1, 100_000),  # total rows
    st.sampled_from((1, 20, 50, 100, 1000)),  # counter moves in total / this batches
)
def test_no_progress_curve_carries_a_poll_far_past_the_end(
    exponent: float, duration: float, total: int, batches: int
) -> None:
    """Counters that keep moving, on any power curve (a long flat start and a
    steep end at a high exponent, most of the work at once at a low one): the
    end is seen within two blind ceilings."""
    assert seen_late(exponent, duration, total, max(1, total // batches)) <= 2 * 5.0
