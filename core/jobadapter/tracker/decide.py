"""What one poll's outcome means and when to poll next.

The deciding half of tracking, shared by every runner: the in-process
:class:`~jobadapter.tracker.Tracker` (a thread pool) and the fleet (Celery
workers with the schedule in the store). A runner polls, hands the outcome
here, and carries out the :class:`Decision`: emit its events, keep its
error, end the watch or schedule the next poll. The state machine and the
anomaly rules are :func:`jobadapter.observe.observe` (through the store
when there is one); the timing is :class:`~jobadapter.tracker.policy.PollPolicy`.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import attrs

from jobadapter.adapter import answer_for
from jobadapter.errors import (
    JobAdapterError,
    ProviderError,
    ProviderResponseError,
    RateLimited,
)
from jobadapter.events import EventKind
from jobadapter.model import Job
from jobadapter.observe import Observation, observe
from jobadapter.redact import get_logger
from jobadapter.tracker.policy import Bounds, Pace, PollPolicy
from jobadapter.tracker.result import Key
from jobadapter.tracker.store import TrackerStore

log = get_logger("tracker")


@attrs.define(slots=True)
class Decision:
    """What a runner does after one poll.

    ``events``: (kind, extra Event fields), in the order to emit them;
    ``finished``: the job is terminal (its watch ends); ``error``: a permanent
    error (the watch ends, the error is the job's outcome); ``record``: an
    error to keep in the store; ``pause_host``: the provider asked everyone
    on this host to wait ``delay`` seconds; otherwise poll again in ``delay``.
    """

    delay: float = 0.0
    events: list[tuple[EventKind, dict[str, Any]]] = attrs.Factory(list)
    finished: bool = False
    error: Exception | None = None
    record: Exception | None = None
    pause_host: bool = False


def wrong_job(key: Key, new: Job) -> ProviderResponseError | None:
    """The error to treat an answer about another job as, or None when it fits
    (the one rule every path uses: :func:`jobadapter.adapter.answer_for`)."""
    try:
        answer_for(key[0], key[1], new)
    except ProviderResponseError as exc:
        return exc
    return None


def apply_observation(
    store: TrackerStore | None, last: Job | None, new: Job, *, profile: str, at: dt.datetime
) -> Observation:
    """``new`` applied to what was known: through the store (atomically, kept)
    when there is one, else against ``last`` in memory."""
    if store is not None:
        return store.observe(new, profile=profile, observed_at=at)
    return observe(last, new)


def decide_observation(
    policy: PollPolicy,
    pace: Pace,
    bounds: Bounds,
    obs: Observation,
    *,
    now: float,
    rng: random.Random,
) -> Decision:
    """The events an observation raises and the delay until the next poll
    (paced before the events, so a progress display reading the pace is current)."""
    decision = Decision(finished=obs.job.is_terminal)
    if not decision.finished:
        decision.delay = policy.after_observation(
            pace,
            bounds,
            obs.job,
            status_changed=obs.status_changed,
            progressed=obs.progressed,
            now=now,
            rng=rng,
        )
    for anomaly in obs.anomalies:
        log.warning("%s", anomaly.describe())
        decision.events.append((EventKind.ANOMALY, {"previous": obs.previous, "anomaly": anomaly}))
    if obs.status_changed:
        decision.events.append((EventKind.STATUS_CHANGED, {"previous": obs.previous}))
    elif obs.progressed:
        decision.events.append((EventKind.PROGRESS, {"previous": obs.previous}))
    return decision


def decide_failure(
    policy: PollPolicy,
    pace: Pace,
    bounds: Bounds,
    key: Key,
    error: Exception,
    *,
    rng: random.Random,
) -> Decision:
    """A transient failure is retried quietly; a malformed answer is kept and
    retried; anything else (NotFound, AuthError, a bug) ends the job's watch."""
    adapter, job_id = key
    if isinstance(error, ProviderError) and error.retryable:
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        delay = policy.after_error(pace, bounds, retry_after=retry_after, rng=rng)
        log.info("%s %s: %s; polling again in %.1fs", adapter, job_id, error, delay)
        return Decision(delay=delay, pause_host=isinstance(error, RateLimited))
    said = [(EventKind.ERROR, {"error": error})]
    if isinstance(error, ProviderResponseError):
        log.warning("%s %s: %s; polling again later", adapter, job_id, error)
        delay = policy.after_error(pace, bounds, retry_after=None, rng=rng)
        return Decision(delay=delay, events=said, record=error)
    if isinstance(error, JobAdapterError):
        log.warning("%s %s: %s; no longer watched", adapter, job_id, error)
    else:
        log.error(
            "%s %s: unexpected %s; no longer watched",
            adapter,
            job_id,
            type(error).__name__,
            exc_info=error,
        )
    return Decision(events=said, error=error, record=error)


def next_due(now: float, delay: float, deadline_at: float | None) -> float | None:
    """When to poll next, or None when the watch deadline has come (the job's
    watch ends). A poll is never scheduled past the deadline: the last one
    looks at the deadline itself."""
    if deadline_at is not None and now >= deadline_at:
        return None
    due = now + delay
    return due if deadline_at is None else min(due, deadline_at)


def error_text(error: Exception) -> str:
    """The one-line text the store keeps for an error."""
    return f"{type(error).__name__}: {error}"
