"""The jobs a tracker watches: taking them in, and carrying out what each
poll's outcome means (decided in :mod:`jobadapter.tracker.decide`, the part
every runner shares). :class:`~jobadapter.tracker.Tracker` adds the running.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

from jobadapter.clock import Clock, utc_from_epoch
from jobadapter.config import Profile
from jobadapter.errors import ConfigError, JobAdapterError, WatchDeadline
from jobadapter.events import Event, EventKind
from jobadapter.model import Job
from jobadapter.redact import get_logger
from jobadapter.tracker.decide import (
    apply_observation,
    decide_failure,
    decide_observation,
    error_text,
    next_due,
    wrong_job,
)
from jobadapter.tracker.policy import PollPolicy
from jobadapter.tracker.ports import TrackerHost
from jobadapter.tracker.result import Key, TrackResult
from jobadapter.tracker.routes import DeadlineLike, RouteBook, Watch, absolute_deadline
from jobadapter.tracker.schedule import Schedule
from jobadapter.tracker.store import TrackerStore

log = get_logger("tracker")

OnEvent: TypeAlias = Callable[[Event], None]
#: What ``track`` accepts per job: a Job, ``(adapter, job_id)`` or ``(adapter, job_id, profile)``.
TrackItem: TypeAlias = Job | tuple[str, str] | tuple[str, str, str | Profile | None]
Outcome: TypeAlias = Job | Exception


class Watches:
    """Watched jobs, their schedule and deadlines; see :class:`~jobadapter.tracker.Tracker`."""

    def __init__(
        self,
        hub: TrackerHost,
        *,
        on_event: OnEvent | None,
        store: TrackerStore | None,
        clock: Clock | None,
        policy: PollPolicy | None,
        rng: random.Random | None,
    ) -> None:
        self.hub = hub
        self.clock: Clock = clock or hub.clock
        self.store = store
        self.policy = policy or PollPolicy()
        self.result = TrackResult()
        self._rng = rng or random.Random()
        self._on_event = on_event
        self._schedule: Schedule[Watch] = Schedule()
        self._deadlines: list[tuple[float, int, Watch]] = []
        self._deadline_seq = itertools.count()
        self._active: dict[Key, Watch] = {}
        self._routes = RouteBook(hub, self.clock)
        self._lanes = self._routes.lanes
        self._state = threading.Lock()
        self._started = False
        self._in_flight = 0

    # -- adding jobs ------------------------------------------------------------

    def add(
        self,
        adapter: str,
        job_id: str,
        *,
        profile: str | Profile | None = None,
        deadline: DeadlineLike = None,
        job: Job | None = None,
    ) -> Key:
        """Watch one job; ``job`` is its last known state (e.g. what submit returned).

        Raises what the hub raises for an unknown adapter or profile, and
        :class:`~jobadapter.errors.NotSupported` for an adapter without ``get``.
        """
        return self._add(adapter, job_id, profile=profile, deadline=deadline, job=job, persist=True)

    def add_job(
        self, job: Job, *, profile: str | Profile | None = None, deadline: DeadlineLike = None
    ) -> Key:
        """Watch ``job`` from the state given (polled first after the short interval)."""
        return self.add(job.adapter, job.id, profile=profile, deadline=deadline, job=job)

    def extend(self, items: Iterable[TrackItem], *, deadline: DeadlineLike = None) -> list[Key]:
        """Watch many jobs: Jobs, ``(adapter, job_id)`` or ``(adapter, job_id, profile)``."""
        keys = []
        for item in items:
            if isinstance(item, Job):
                keys.append(self.add_job(item, deadline=deadline))
            elif isinstance(item, tuple) and len(item) in (2, 3):
                profile = item[2] if len(item) == 3 else None
                keys.append(self.add(item[0], item[1], profile=profile, deadline=deadline))
            else:
                raise TypeError(
                    f"cannot track {item!r}: give a Job, (adapter, job_id) or (adapter, job_id, profile)"
                )
        return keys

    def resume(
        self, store: TrackerStore | None = None, *, deadline: DeadlineLike = None
    ) -> list[Key]:
        """Watch every open job in ``store`` (default: the tracker's), each with its
        stored deadline unless ``deadline`` replaces them all; returns the keys
        added (jobs already watched are skipped). A job whose adapter or
        profile is gone is reported in ``result.errors``, not raised."""
        store = store or self.store
        if store is None:
            raise ConfigError("resuming needs a store: pass store= (or give the Hub one)")
        if self.store is None:
            self.store = store
        keys = []
        for stored in store.jobs(open_only=True):
            job: Job = stored.job
            if job.key in self._active or job.key in self.result.jobs:
                continue  # already watched (or already settled) in this tracker
            profile = getattr(stored, "profile", None)
            when = deadline if deadline is not None else getattr(stored, "deadline", None)
            try:
                keys.append(
                    self._add(
                        job.adapter,
                        job.id,
                        profile=profile,
                        deadline=when,
                        job=None,
                        persist=deadline is not None,
                    )
                )
            except JobAdapterError as exc:
                log.warning("cannot resume %s %s: %s", job.adapter, job.id, exc)
                self.result.errors[job.key] = exc
                self.result.jobs[job.key] = job
        return keys

    def _add(
        self,
        adapter: str,
        job_id: str,
        *,
        profile: str | Profile | None,
        deadline: DeadlineLike,
        job: Job | None,
        persist: bool,
    ) -> Key:
        with self._state:
            if self._started:
                raise RuntimeError("add jobs before run(); a running tracker takes no new jobs")
        if not isinstance(job_id, str) or not job_id:
            raise ValueError(f"job_id must be a non-empty string, got {job_id!r}")
        key = (adapter, job_id)
        if job is not None and job.key != key:
            raise ValueError(f"job {job.key} does not match ({adapter!r}, {job_id!r})")
        when = absolute_deadline(deadline, self.clock)
        existing = self._active.get(key)
        if existing is not None:
            if when is not None and (existing.deadline is None or when < existing.deadline):
                self._set_deadline(existing, when, persist=persist and not existing.store_deadline)
            return key
        if key in self.result.jobs:
            return key
        route = self._routes.route(adapter, profile)
        last = job
        known_to_store = False
        if self.store is not None:
            stored = self.store.get(adapter, job_id)
            if stored is not None:
                last, known_to_store = stored, True
            elif job is not None:
                self.store.observe(job, profile=route.profile.name, observed_at=self._utcnow())
                known_to_store = True
        if last is not None and last.is_terminal:
            self.result.jobs[key] = last
            return key
        watch = Watch(key, route, last, self.policy.start(route.bounds))
        self._active[key] = watch
        if when is not None:
            self._set_deadline(watch, when, persist=persist and known_to_store)
            watch.store_deadline = persist and not known_to_store and self.store is not None
        now = self.clock.monotonic()
        first = now + route.bounds.low if job is not None and last is job else now
        self._schedule.push(
            watch, first if watch.deadline_at is None else min(first, watch.deadline_at)
        )
        return key

    def _set_deadline(self, watch: Watch, when: dt.datetime, *, persist: bool) -> None:
        watch.deadline = when
        watch.deadline_at = self.clock.monotonic() + (when.timestamp() - self.clock.time())
        heapq.heappush(self._deadlines, (watch.deadline_at, next(self._deadline_seq), watch))
        if persist and self.store is not None:
            self.store.set_deadline(watch.key[0], watch.key[1], when)

    # -- outcomes -----------------------------------------------------------------

    def _utcnow(self) -> dt.datetime:
        return utc_from_epoch(self.clock.time())

    def _complete(self, watch: Watch, outcome: Outcome) -> None:
        watch.route.lane.finished()
        watch.busy = False
        self._in_flight -= 1
        if self._active.get(watch.key) is not watch:
            return
        if isinstance(outcome, Job):
            self._observed(watch, outcome)
        else:
            self._failed(watch, outcome)

    def _observed(self, watch: Watch, new: Job) -> None:
        mismatch = wrong_job(watch.key, new)
        if mismatch is not None:
            self._failed(watch, mismatch)
            return
        at = watch.fetched_at or self._utcnow()
        now = self.clock.monotonic()
        profile = watch.route.profile.name
        obs = apply_observation(self.store, watch.last, new, profile=profile, at=at)
        if self.store is not None and watch.store_deadline and watch.deadline is not None:
            self.store.set_deadline(watch.key[0], watch.key[1], watch.deadline)
            watch.store_deadline = False
        watch.last = obs.job
        decision = decide_observation(
            self.policy, watch.pace, watch.route.bounds, obs, now=now, rng=self._rng
        )
        for kind, fields in decision.events:
            self._emit(kind, watch, at, **fields)
        if decision.finished:
            del self._active[watch.key]
            self.result.jobs[watch.key] = obs.job
            return
        self._reschedule(watch, decision.delay, now, at)

    def _failed(self, watch: Watch, error: Exception) -> None:
        at = self._utcnow()
        now = self.clock.monotonic()
        route = watch.route
        decision = decide_failure(
            self.policy, watch.pace, route.bounds, watch.key, error, rng=self._rng
        )
        if decision.pause_host:
            route.lane.host.pause(now + decision.delay)
        if decision.record is not None:
            self._record(watch, decision.record, at)
        for kind, fields in decision.events:
            self._emit(kind, watch, at, **fields)
        if decision.error is not None:
            self.result.errors[watch.key] = decision.error
            self._end(watch)
            return
        self._reschedule(watch, decision.delay, now, at)

    def _reschedule(self, watch: Watch, delay: float, now: float, at: dt.datetime) -> None:
        due = next_due(now, delay, watch.deadline_at)
        if due is None:
            self._expire(watch, at)
            return
        self._schedule.push(watch, due)

    def _expire(self, watch: Watch, at: dt.datetime) -> None:
        assert watch.deadline is not None
        error = WatchDeadline(watch.last, watch.deadline, key=watch.key)
        log.info("%s", error)
        self.result.deadlines[watch.key] = error
        self._emit(EventKind.DEADLINE, watch, at, error=error)
        self._end(watch)

    def _end(self, watch: Watch) -> None:
        del self._active[watch.key]
        self._schedule.cancel(watch)
        if watch.last is not None:
            self.result.jobs[watch.key] = watch.last

    def _record(self, watch: Watch, error: Exception, at: dt.datetime) -> None:
        if self.store is not None:
            self.store.record_error(watch.key[0], watch.key[1], error_text(error), at)

    def _emit(self, kind: EventKind, watch: Watch, at: dt.datetime, **fields: Any) -> None:
        event = Event(
            kind=kind,
            adapter=watch.key[0],
            job_id=watch.key[1],
            at=at,
            job=watch.last,
            profile=watch.route.profile.name,
            **fields,
        )
        self.hub.emit(event)
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                log.exception("an on_event callback failed for %s", event.describe())
