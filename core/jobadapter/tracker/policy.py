"""When to poll a job next: fast at first, slower while nothing moves, and
close to the end the progress counters predict.

Fixed-interval polling either hammers the provider or notices the end late
(Airbyte's fixed 5 seconds). A job's own counters say when it will end, so
we aim the next poll there instead of guessing; and as counters can mislead
(a job that speeds up, stalls, or moves in batches), every prediction is
taken on the early side and no step towards it is longer than a bound.
"""

from __future__ import annotations

import math
import random

import attrs

from jobadapter.config import Profile
from jobadapter.model import Job
from jobadapter.status import JobStatus

#: No interval is shorter than this, whatever a profile says: a zero interval
#: would spin the scheduler.
MIN_INTERVAL = 0.01


@attrs.frozen(slots=True)
class Bounds:
    """The shortest and longest wait between two polls of one job."""

    low: float
    high: float

    @classmethod
    def of(cls, poll_interval: tuple[float, float], profile: Profile | None = None) -> Bounds:
        """The profile's ``poll_min``/``poll_max`` where set, else the adapter's ``poll_interval``."""
        low = poll_interval[0]
        high = poll_interval[1]
        if profile is not None and profile.poll_min is not None:
            low = profile.poll_min
        if profile is not None and profile.poll_max is not None:
            high = profile.poll_max
        low = max(MIN_INTERVAL, float(low))
        return cls(low=low, high=max(low, float(high)))

    def clamp(self, seconds: float) -> float:
        return min(self.high, max(self.low, seconds))


class Pace:
    """One job's polling state (kept small: the tracker holds one per job)."""

    __slots__ = (
        "anchor_at",
        "anchor_done",
        "due",
        "errors",
        "grain",
        "interval",
        "predicted_end",
        "rate",
        "rate_at",
        "since",
        "start_at",
        "start_done",
    )

    def __init__(self, interval: float) -> None:
        self.interval = interval
        #: A (time, processed) sample in the current status, the base of the rate.
        self.anchor_at: float | None = None
        self.anchor_done: int | None = None
        #: Rows per second over the last interval that moved, centred on ``rate_at``.
        self.rate: float | None = None
        self.rate_at = 0.0
        #: The smallest move of ``processed`` seen: how far the counter may lag.
        self.grain: int | None = None
        #: When the counters say the job will be done (scheduler time).
        self.predicted_end: float | None = None
        #: The predicted end once passed without the end: the job is overdue.
        self.due: float | None = None
        #: Failed polls in a row.
        self.errors = 0
        #: When the current status was first seen (scheduler time).
        self.since: float | None = None
        #: The first (time, processed) sample in the current status: the base of
        #: the average rate a recent rate is compared with.
        self.start_at: float | None = None
        self.start_done: int | None = None

    def __repr__(self) -> str:
        return (
            f"Pace(interval={self.interval:.3f}, predicted_end={self.predicted_end}, "
            f"errors={self.errors})"
        )


@attrs.frozen
class PollPolicy:
    """The adaptive polling rule; every delay is clamped to the job's :class:`Bounds`.

    - first poll, and a change to running with a count and a total (a second
      count soon gives the rate): ``bounds.low``; any other status change
      keeps the blind cadence (an early look there costs a poll and tells
      nothing the blind ceiling does not already bound);
    - counters moved and ``total`` is known: the end predicted on the early
      side, so that no shape of progress carries a step past it: the counter
      may lag by its smallest move seen, the rate is the faster of the last
      two (a job that stalled part way through an interval is not taken for
      slow), and a rate that grew (against the previous one, or against the
      average since the status began, which batched counters do not blur) is
      assumed to keep growing geometrically (a steep end comes sooner than the
      present rate says). The first rate, when the counters sat still for
      longer than a blind gap before it, steps no further than the blind
      ceiling (it may be the start of a steep end). A near end (within the blind
      ceiling) is aimed at directly (not jittered: the prediction is the
      job's own), a far one approached in steps of ``approach`` of the
      remaining time, at most ``reach`` times the time the job has been in its
      status and at most ``stride`` blind ceilings, re-measuring the rate on
      the way, and never stopping closer to the end than ``landing`` shortest
      intervals (from there the last poll can be aimed at the end);
    - nothing moved and a predicted end is near: aim at it; a far one is no
      longer trusted (counters that stop may jump to the end at any time, no
      moment likelier than another: the job is watched at the blind ceiling);
      one that passed makes the job overdue: at its end by its own count, so
      its end is likely any moment and the blind ceiling below is
      ``overdue_share`` of the usual one, for as long overdue as the job had
      been in its status when due (past that the prediction says nothing);
    - otherwise (nothing moved, or counters without a total): the last
      interval times ``backoff``, with ``jitter``, at most the blind ceiling
      ``blind_max`` (default ``bounds.high``): how late an end nobody can
      predict may be seen; at the ceiling the gap is exact. A pending job's
      ceiling is ``pending_stretch`` times longer (within ``bounds.high``),
      and with ``blind_max`` set it waits that long at once after its first look;
    - failed poll: ``bounds.low * error_backoff ** (n-1)``, at least ``retry_after``.
    """

    backoff: float = attrs.field(default=1.5, validator=attrs.validators.ge(1.0))
    jitter: float = attrs.field(
        default=0.1, validator=[attrs.validators.ge(0.0), attrs.validators.lt(1.0)]
    )
    predict: bool = True
    error_backoff: float = attrs.field(default=2.0, validator=attrs.validators.ge(1.0))
    blind_max: float | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.gt(0.0))
    )
    approach: float = attrs.field(
        default=0.5, validator=[attrs.validators.gt(0.0), attrs.validators.le(1.0)]
    )
    reach: float = attrs.field(default=1.0, validator=attrs.validators.gt(0.0))
    landing: float = attrs.field(default=1.5, validator=attrs.validators.ge(1.0))
    pending_stretch: float = attrs.field(default=1.5, validator=attrs.validators.ge(1.0))
    stride: float = attrs.field(default=8.0, validator=attrs.validators.ge(1.0))
    overdue_share: float = attrs.field(
        default=0.5, validator=[attrs.validators.gt(0.0), attrs.validators.le(1.0)]
    )

    def start(self, bounds: Bounds) -> Pace:
        return Pace(bounds.low)

    def _blind(self, bounds: Bounds) -> Bounds:
        if self.blind_max is None or self.blind_max >= bounds.high:
            return bounds
        return Bounds(bounds.low, max(bounds.low, self.blind_max))

    def _jittered(self, seconds: float, bounds: Bounds, rng: random.Random) -> float:
        """``seconds`` spread by ``jitter`` either way, within ``bounds`` (so jobs
        at the floor or the ceiling do not poll in lockstep either)."""
        seconds = bounds.clamp(seconds)
        if not self.jitter:
            return seconds
        low = max(bounds.low, seconds * (1.0 - self.jitter))
        high = min(bounds.high, seconds * (1.0 + self.jitter))
        return rng.uniform(low, high)

    def after_observation(
        self,
        pace: Pace,
        bounds: Bounds,
        job: Job,
        *,
        status_changed: bool,
        progressed: bool,
        now: float,
        rng: random.Random,
    ) -> float:
        """Seconds until the next poll of ``job``, observed (and kept) at ``now``."""
        pace.errors = 0
        done = job.counts.processed
        first = pace.since is None  # the watch's first observation
        if first:
            pace.since = now
        if status_changed:
            pace.since = now
            pace.predicted_end = pace.due = None
            running = job.status is JobStatus.RUNNING and done is not None
            pace.anchor_at, pace.anchor_done = (now, done) if running else (None, None)
            pace.start_at, pace.start_done = pace.anchor_at, pace.anchor_done
            if first or (running and job.counts.total is not None and self.predict):
                # Fast at first; and a second count soon gives the rate the
                # end is predicted from.
                pace.interval = bounds.low
                return self._jittered(bounds.low, self._blind(bounds), rng)
            # Nothing to predict from: the blind cadence goes on from where it
            # was (the job's age, not the change, says how soon it may end).
        elif progressed:
            blind_high = self._blind(bounds).high
            # The first rate, taken over more than one blind gap: the counters
            # sat still and now move, which may be the start of a steep end.
            unsure = pace.rate is None and (
                pace.anchor_at is None or now - pace.anchor_at > blind_high
            )
            eta = self._eta(pace, job, now)
            if eta is not None:
                pace.interval = bounds.low
                pace.predicted_end, pace.due = now + eta, None
                step = self._aim(eta, pace, bounds, now)
                return bounds.clamp(min(step, blind_high) if unsure else step)
        # Keep aiming at a near predicted end (counters often move in batches).
        # A far one is no longer trusted: counters that stop may jump to the
        # end at any time, so the job is watched blind until they move again.
        ahead = None if pace.predicted_end is None else pace.predicted_end - now
        if ahead is not None and bounds.low <= ahead <= self._blind(bounds).high:
            return bounds.clamp(ahead)
        if ahead is not None and ahead < bounds.low:
            pace.due = pace.predicted_end
        elif ahead is not None and self.blind_max is not None:
            # Far, and the counters stopped: no moment likelier than another,
            # so the blind ceiling at once (below), not a backoff from the floor;
            # only within a latency budget, as for pending jobs.
            pace.interval = bounds.high
        pace.predicted_end = None
        # The blind ceiling holds for pending jobs too: a short job can start
        # and end between two polls.
        blind = self._blind(bounds)
        if job.status is JobStatus.PENDING:
            # A job that has not started is less likely to end before the next
            # look: a little longer, not the whole way to ``bounds.high``. Within
            # a latency budget (``blind_max``), at once: the first look caught a
            # rejection at submission, and a queued job is no likelier to end in
            # its first seconds than later. Without one the ceiling is only the
            # rate bound ``poll_max``: backing off keeps a short job seen soon.
            blind = Bounds(blind.low, min(bounds.high, blind.high * self.pending_stretch))
            if self.blind_max is not None:
                pace.interval = blind.high
        elif self._overdue(pace, now):
            blind = Bounds(blind.low, max(blind.low, blind.high * self.overdue_share))
        if pace.interval >= blind.high:
            # At the ceiling the gap is the worst case itself: kept exact (a
            # jittered gap is shorter on average for the same longest one).
            return blind.high
        pace.interval = blind.clamp(pace.interval * self.backoff)
        return self._jittered(pace.interval, blind, rng)

    @staticmethod
    def _overdue(pace: Pace, now: float) -> bool:
        """Past the predicted end, by less than the job had been in its status
        when it was due (a prediction off by more than that says nothing)."""
        if pace.due is None:
            return False
        since = pace.since if pace.since is not None else pace.due
        return now - pace.due <= pace.due - since

    def _aim(self, eta: float, pace: Pace, bounds: Bounds, now: float) -> float:
        """Poll at a near end. On the way to a far one, step ``approach`` of the
        remaining time, but never further than the job has been watched in this
        status: early rates mislead (a job that speeds up looks endless), and
        each step re-measures the rate closer to the end."""
        near = self._blind(bounds).high
        if eta <= near:
            return eta
        age = now - pace.since if pace.since is not None else near
        step = max(near, min(eta * self.approach, age * self.reach))
        step = min(step, near * self.stride)
        if eta - step < bounds.low * self.landing:
            step = max(bounds.low, eta - bounds.low * self.landing)
        return step

    def _eta(self, pace: Pace, job: Job, now: float) -> float | None:
        """Seconds until ``processed`` reaches ``total``, on the early side (see the
        class docstring)."""
        total, done = job.counts.total, job.counts.processed
        if not self.predict or done is None:
            return None
        if pace.anchor_at is None or pace.anchor_done is None or done < pace.anchor_done:
            pace.anchor_at, pace.anchor_done = now, done
            pace.start_at, pace.start_done = now, done
            return None
        elapsed, moved = now - pace.anchor_at, done - pace.anchor_done
        if elapsed <= 0 or moved <= 0:
            return None
        # The next estimate starts here: the recent rate follows a job that
        # speeds up or slows down better than the average since it started.
        pace.anchor_at, pace.anchor_done = now, done
        rate, at = moved / elapsed, now - elapsed / 2
        fastest, growth = rate, 0.0
        if pace.rate is not None:
            growth = _growth(pace.rate, pace.rate_at, rate, at)
            # The faster of the last two rates: a job whose counters stopped part
            # way through the last interval (a stall) is not taken to be slow.
            fastest = max(rate, pace.rate)
        if pace.start_at is not None and pace.start_done is not None:
            # Against the average since the status began too: one interval's
            # rate is noisy where counters move in batches, the average is not.
            span = now - pace.start_at
            if span > elapsed:
                average = (done - pace.start_done) / span
                growth = max(growth, _growth(average, pace.start_at + span / 2, rate, at))
        pace.rate, pace.rate_at = rate, at
        pace.grain = moved if pace.grain is None else min(pace.grain, moved)
        if total is None:
            return None
        left = max(0.0, total - done - pace.grain)
        if not growth:
            return left / fastest
        # A rate that grew is assumed to keep growing as fast (geometrically,
        # ``growth`` per second): a job speeding up ends much sooner than its
        # present rate says, and no curve that speeds up steadily outruns this.
        return math.log1p(growth * left / fastest) / growth

    def after_error(
        self, pace: Pace, bounds: Bounds, *, retry_after: float | None, rng: random.Random
    ) -> float:
        """Seconds until the next try after a failed poll (``retry_after`` is honoured
        even beyond ``bounds.high``: the provider asked for it)."""
        pace.errors += 1
        exponent = min(pace.errors - 1, 30)
        delay = self._jittered(bounds.low * self.error_backoff**exponent, bounds, rng)
        if retry_after is not None and retry_after > delay:
            return retry_after
        return delay


def _growth(before: float, before_at: float, after: float, after_at: float) -> float:
    """How fast a rate grew, per second (0 when it did not): ``ln(after/before)``
    over the time between the two rates' middles."""
    if after_at <= before_at or not after > before > 0:
        return 0.0
    return math.log(after / before) / (after_at - before_at)
