"""Polling one leased batch: the fleet's running part, on a Celery worker thread.

Everything a poll's outcome means is decided by the code the in-process
tracker uses (:mod:`jobadapter.tracker.decide`, the poll policy, the state
machine through ``store.observe``); this module only renews each lease,
polls, carries the decision out and gives the job back to the schedule.
"""

from __future__ import annotations

import collections
import datetime as dt
import math
import random
import threading
from collections.abc import Sequence
from typing import Any

from jobadapter.clock import Clock, utc_from_epoch
from jobadapter.errors import JobAdapterError, WatchDeadline
from jobadapter.events import Event, EventKind
from jobadapter.fleet.limits import FleetLimits, Permit, answered
from jobadapter.fleet.pace import dump_pace, load_pace
from jobadapter.fleet.schedule import Claim, FleetSchedule
from jobadapter.fleet.tokens import FleetTokens
from jobadapter.model import Job
from jobadapter.redact import get_logger
from jobadapter.status import TERMINAL_VALUES
from jobadapter.tracker.decide import (
    Decision,
    apply_observation,
    decide_failure,
    decide_observation,
    error_text,
    next_due,
    wrong_job,
)
from jobadapter.tracker.policy import Pace, PollPolicy
from jobadapter.tracker.ports import TrackerHost
from jobadapter.tracker.routes import Route, RouteBook
from jobadapter.tracker.store import TrackerStore
from jobadapter.transport.deadline import call_deadline

log = get_logger("fleet")

#: Per-poll lags a worker keeps (the newest), for benches and diagnostics.
LAGS_KEPT = 20_000


class BatchPoller:
    """Polls leased jobs for one worker process (thread-safe)."""

    def __init__(
        self,
        host: TrackerHost,
        store: TrackerStore,
        schedule: FleetSchedule,
        *,
        lease_ttl: float,
        policy: PollPolicy | None = None,
        limits: FleetLimits | None = None,
        tokens: FleetTokens | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.host = host
        self.store = store
        self.schedule = schedule
        self.lease_ttl = lease_ttl
        self.policy = policy or PollPolicy()
        self.limits = limits
        self.tokens = tokens
        self.clock: Clock = clock or host.clock
        self._routes = RouteBook(host, self.clock)
        self._routes_lock = threading.Lock()
        self._rng = random.Random()
        self.polls = 0
        #: (poll start, seconds from the job's due time to it), the newest polls.
        self.lags: collections.deque[tuple[float, float]] = collections.deque(maxlen=LAGS_KEPT)

    def __repr__(self) -> str:
        return f"<BatchPoller polls={self.polls}>"

    def poll_batch(self, lease: str, claims: Sequence[Claim]) -> int:
        """Poll every job of the batch whose lease still holds; returns polls sent.

        The batch's leases are renewed in one statement, again whenever a
        third of their time has gone by, so each poll starts with at least
        two thirds of ``lease_ttl`` left on its lease."""
        sent = 0
        held: dict[tuple[str, str], str | None] = {}
        renewed = -math.inf
        for claim in claims:
            now = self.clock.time()
            if now - renewed >= self.lease_ttl / 3:
                held = self.schedule.renew(lease, now=now, ttl=self.lease_ttl)
                renewed = now
            if claim.key not in held:
                continue  # expired or moved on: another worker has it now
            try:
                sent += self._one(lease, claim, held[claim.key])
            except Exception:  # one job's trouble never stops the batch
                log.exception("%s %s: polling failed; retried after its lease", *claim.key)
        return sent

    def _route(self, claim: Claim) -> Route:
        with self._routes_lock:
            route = self._routes.route(claim.adapter, claim.profile)
            share = getattr(route.conn.credentials, "share_tokens", None)
            if self.tokens is not None and share is not None:
                # One token per profile for the whole fleet (idempotent: same share object).
                share(self.tokens.for_profile(route.profile))
            return route

    def _one(self, lease: str, claim: Claim, stored_status: str | None) -> int:
        """Poll one job of the batch; ``stored_status`` is its status in the store
        when its lease was last renewed (read with the renewal: no read here)."""
        try:
            route = self._route(claim)
        except JobAdapterError as exc:  # its adapter or profile is gone from this host
            log.warning("cannot track %s %s: %s", claim.adapter, claim.job_id, exc)
            self.store.record_error(claim.adapter, claim.job_id, error_text(exc), self._utcnow())
            self.schedule.settle(claim.key, lease, due=None, pace=None, polled=False)
            return 0
        if stored_status in TERMINAL_VALUES:
            self.schedule.settle(claim.key, lease, due=None, pace=None, polled=False)
            return 0
        if claim.deadline is not None and self.clock.time() >= claim.deadline:
            self._expire(route, claim, self.store.get(claim.adapter, claim.job_id))
            self.schedule.settle(claim.key, lease, due=None, pace=None, polled=False)
            return 0
        permit = self.limits.acquire(route.profile, lease) if self.limits is not None else None
        if permit is not None and not permit.granted:
            # The fleet's budget for this profile is spent: give the job back, due when it refills.
            self.schedule.settle(
                claim.key, lease, due=self.clock.time() + permit.wait, pace=None, polled=False
            )
            return 0
        start = self.clock.time()
        self.lags.append((start, start - claim.due))
        outcome = self._poll_within(route, claim.job_id, permit)
        self.polls += 1
        # An answered poll's slot is given back with the settle, in one statement.
        limits = self.limits
        free = limits.freeing(permit, answered=answered(outcome)) if limits and permit else None
        try:
            pace = load_pace(claim.pace, self.policy, route.bounds)
            due = self._apply(route, claim, pace, outcome)
        except BaseException:
            if limits is not None and free is not None:
                limits.db.write(free)  # answered: the slot is free whatever failed here
            raise
        self.schedule.settle(claim.key, lease, due=due, pace=dump_pace(pace), also=free)
        return 1

    def _poll_within(self, route: Route, job_id: str, permit: Permit | None) -> Job | Exception:
        """Poll under the fleet's permit: the call (retries and waits too) ends inside
        its slot (the caller gives the slot back, and only if the provider answered)."""
        if permit is None or self.limits is None:
            return self._poll(route, job_id)
        with call_deadline(self.limits.call_time(permit)):
            return self._poll(route, job_id)

    @staticmethod
    def _poll(route: Route, job_id: str) -> Job | Exception:
        try:
            return route.adapter.get(route.conn, job_id)
        except Exception as exc:  # noqa: BLE001 - one job's failure, isolated and reported
            return exc

    def _apply(
        self, route: Route, claim: Claim, pace: Pace, outcome: Job | Exception
    ) -> float | None:
        """Carry out what the shared decisions say; the next due time, or None (ended)."""
        at = self._utcnow()
        now = self.clock.time()
        if isinstance(outcome, Job):
            mismatch = wrong_job(claim.key, outcome)
            if mismatch is not None:
                outcome = mismatch
        last: Job | None
        if isinstance(outcome, Job):
            # With a store, the observation is judged against the stored row: no last Job.
            obs = apply_observation(self.store, None, outcome, profile=route.profile.name, at=at)
            last = obs.job
            decision = decide_observation(
                self.policy, pace, route.bounds, obs, now=now, rng=self._rng
            )
        else:
            last = self.store.get(claim.adapter, claim.job_id)  # what the failure's events carry
            decision = decide_failure(
                self.policy, pace, route.bounds, claim.key, outcome, rng=self._rng
            )
            if decision.pause_host:
                route.lane.host.pause(self.clock.monotonic() + decision.delay)
            if decision.record is not None:
                self.store.record_error(
                    claim.adapter, claim.job_id, error_text(decision.record), at
                )
        self._emit_all(decision, route, claim, last, at)
        if decision.finished or decision.error is not None:
            return None
        due = next_due(now, decision.delay, claim.deadline)
        if due is None:
            self._expire(route, claim, last)
        return due

    def _emit_all(
        self, decision: Decision, route: Route, claim: Claim, job: Job | None, at: dt.datetime
    ) -> None:
        for kind, fields in decision.events:
            self._emit(kind, route, claim, job, at, **fields)

    def _expire(self, route: Route, claim: Claim, last: Job | None) -> None:
        assert claim.deadline is not None
        deadline = utc_from_epoch(claim.deadline)
        error = WatchDeadline(last, deadline, key=claim.key)
        log.info("%s", error)
        self._emit(EventKind.DEADLINE, route, claim, last, self._utcnow(), error=error)

    def _emit(
        self,
        kind: EventKind,
        route: Route,
        claim: Claim,
        job: Job | None,
        at: dt.datetime,
        **fields: Any,
    ) -> None:
        event = Event(
            kind=kind,
            adapter=claim.adapter,
            job_id=claim.job_id,
            at=at,
            job=job,
            profile=route.profile.name,
            **fields,
        )
        self.host.emit(event)

    def _utcnow(self) -> dt.datetime:
        return utc_from_epoch(self.clock.time())
