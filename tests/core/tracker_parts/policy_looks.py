"""What the poll policy tests share: a running job with counters, and the policy's
delays after looks at one job (unchanging, or moving at each look)."""

from __future__ import annotations

import random
from collections.abc import Callable

from jobadapter import Job, JobStatus
from jobadapter.model import Counts
from jobadapter.tracker import Bounds, PollPolicy
from jobadapter.tracker.policy import Pace


def running(processed: int | None, total: int | None = 100) -> Job:
    return Job(adapter="a.b", id="1", status=JobStatus.RUNNING, counts=Counts(total, processed))


def watching(
    policy: PollPolicy, bounds: Bounds, *, total: int = 100
) -> tuple[Pace, Callable[..., float]]:
    """A fresh pace for one running job of ``total`` rows, and ``after(done, now,
    changed=, moved=)``: the policy's delay after observing it."""
    pace, rng = policy.start(bounds), random.Random(0)

    def after(done: int, now: float, *, changed: bool = False, moved: bool = False) -> float:
        job = running(done, total)
        return policy.after_observation(
            pace, bounds, job, status_changed=changed, progressed=moved, now=now, rng=rng
        )

    return pace, after


def looks(
    policy: PollPolicy,
    pace: Pace,
    bounds: Bounds,
    job: Job,
    times: int,
    *,
    rng: random.Random,
    first_changed: bool = False,
) -> list[float]:
    """The policy's delay after each of ``times`` looks at an unchanging ``job``,
    one a second from 0 (the first a status change when ``first_changed``)."""
    return [
        policy.after_observation(
            pace,
            bounds,
            job,
            status_changed=first_changed and t == 0,
            progressed=False,
            now=t,
            rng=rng,
        )
        for t in range(times)
    ]


def progress_stepper(policy: PollPolicy, bounds: Bounds) -> Callable[..., float]:
    """``after(job, now, changed=False)``: the next delay for one job whose counters
    moved at each call (or whose status changed, with ``changed``)."""
    pace, rng = policy.start(bounds), random.Random(0)

    def after(job: Job, now: float, *, changed: bool = False) -> float:
        return policy.after_observation(
            pace, bounds, job, status_changed=changed, progressed=not changed, now=now, rng=rng
        )

    return after
