"""The Tracker: watch any number of jobs, across adapters and profiles, with
few requests.

One scheduler loop (the thread that calls :meth:`Tracker.run`) owns all
state: the heap of next-poll times, each profile's lane and each job's last
Job. Polls run on a small pool of worker threads that share the hub's
connection pool, or, with ``workers=0``, inline in the scheduler thread,
which is deterministic under a :class:`~jobadapter.clock.FakeClock`. Only the
scheduler applies observations, emits events and writes the store, so hooks
and callbacks are never called concurrently and an abandoned request can
never half-write anything.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from jobadapter.adapter import Adapter, check_verb
from jobadapter.clock import Clock, FakeClock, SystemClock, utc_from_epoch
from jobadapter.config import Profile
from jobadapter.errors import (
    ConfigError,
    JobAdapterError,
    ProviderError,
    ProviderResponseError,
    RateLimited,
    WatchDeadline,
)
from jobadapter.events import Event, EventKind
from jobadapter.model import Job
from jobadapter.observe import observe
from jobadapter.redact import get_logger
from jobadapter.tracker.budget import HostBudget, Lane, host_key
from jobadapter.tracker.observed import TrackedConnection
from jobadapter.tracker.policy import Bounds, Pace, PollPolicy
from jobadapter.tracker.pool import WorkerPool
from jobadapter.tracker.result import Key, TrackResult
from jobadapter.tracker.schedule import UNSCHEDULED, Schedule
from jobadapter.tracker.store import TrackerStore

if TYPE_CHECKING:
    from jobadapter.hub import Hub

log = get_logger("tracker")

OnEvent: TypeAlias = Callable[[Event], None]
#: A watch deadline: an aware datetime (absolute), a timedelta or seconds from now.
DeadlineLike: TypeAlias = dt.datetime | dt.timedelta | float | int | None
#: What ``track`` accepts per job: a Job, ``(adapter, job_id)`` or ``(adapter, job_id, profile)``.
TrackItem: TypeAlias = Job | tuple[str, str] | tuple[str, str, str | Profile | None]
Outcome: TypeAlias = Job | Exception

#: Real seconds a stopping tracker waits for requests in flight before abandoning them.
STOP_GRACE = 0.5
#: Longest single sleep on a clock that is neither the system's nor a FakeClock,
#: so that ``stop()`` is noticed promptly.
SLEEP_SLICE = 0.25
#: Default cap on worker threads.
MAX_WORKERS = 32

_WAKE = object()


class _Route:
    """What polls of one adapter under one profile share."""

    __slots__ = ("adapter", "bounds", "conn", "lane", "profile")

    def __init__(
        self, adapter: Adapter, conn: TrackedConnection, lane: Lane[_Watch], bounds: Bounds
    ) -> None:
        self.adapter = adapter
        self.conn = conn
        self.lane = lane
        self.bounds = bounds
        self.profile: Profile = conn.profile


class _Watch:
    """One watched job (slotted: the tracker may hold tens of thousands)."""

    __slots__ = (
        "busy",
        "deadline",
        "deadline_at",
        "key",
        "last",
        "pace",
        "route",
        "store_deadline",
        "ticket",
    )

    def __init__(self, key: Key, route: _Route, last: Job | None, pace: Pace) -> None:
        self.key = key
        self.route = route
        self.last = last
        self.pace = pace
        self.deadline: dt.datetime | None = None
        #: The deadline on the scheduler's (monotonic) time line.
        self.deadline_at: float | None = None
        #: The deadline still has to be written to the store (after the job's first row).
        self.store_deadline = False
        self.ticket = UNSCHEDULED
        #: A poll of it is in flight.
        self.busy = False

    def __repr__(self) -> str:
        status = self.last.status.value if self.last is not None else "unseen"
        return f"<watch {self.key[0]} {self.key[1]} {status}>"


class Tracker:
    """Watches jobs until each is terminal, hits its deadline or fails for good.

    ``workers``: threads polling in parallel (default: the sum of the
    profiles' ``max_in_flight``, at most 32); ``0`` polls inline in the
    thread that calls :meth:`run` (deterministic with a FakeClock).
    ``store``: where observations, deadlines and errors are kept (any object
    with the :class:`~jobadapter.tracker.store.TrackerStore` methods).
    ``on_event``: called with every :class:`Event`, always from the thread
    running :meth:`run`, never concurrently. Add jobs, then call :meth:`run`
    once; :meth:`stop` may be called from any thread (or a signal handler).
    """

    def __init__(
        self,
        hub: Hub,
        *,
        on_event: OnEvent | None = None,
        workers: int | None = None,
        store: TrackerStore | None = None,
        clock: Clock | None = None,
        policy: PollPolicy | None = None,
        rng: random.Random | None = None,
        grace: float = STOP_GRACE,
    ) -> None:
        if workers is not None and (isinstance(workers, bool) or workers < 0):
            raise ValueError(
                f"workers must be a whole number >= 0 (0 polls inline), got {workers!r}"
            )
        self.hub = hub
        self.clock: Clock = clock or hub.clock
        self.store = store
        self.policy = policy or PollPolicy()
        self.result = TrackResult()
        self._rng = rng or random.Random()
        self._on_event = on_event
        self._workers = workers
        self._grace = grace
        self._schedule: Schedule[_Watch] = Schedule()
        self._deadlines: list[tuple[float, int, _Watch]] = []
        self._deadline_seq = itertools.count()
        self._active: dict[Key, _Watch] = {}
        self._routes: dict[tuple[str, object], _Route] = {}
        self._lanes: dict[str, Lane[_Watch]] = {}
        self._hosts: dict[str, HostBudget] = {}
        self._inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._state = threading.Lock()
        self._started = False
        self._in_flight = 0
        self._real_time = isinstance(self.clock, SystemClock)
        self._can_block = not isinstance(self.clock, FakeClock)

    def __repr__(self) -> str:
        return f"<Tracker watching={len(self._active)} in_flight={self._in_flight}>"

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
        when = self._absolute(deadline)
        existing = self._active.get(key)
        if existing is not None:
            if when is not None and (existing.deadline is None or when < existing.deadline):
                self._set_deadline(existing, when, persist=persist and not existing.store_deadline)
            return key
        if key in self.result.jobs:
            return key
        route = self._route(adapter, profile)
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
        watch = _Watch(key, route, last, self.policy.start(route.bounds))
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

    def _set_deadline(self, watch: _Watch, when: dt.datetime, *, persist: bool) -> None:
        watch.deadline = when
        watch.deadline_at = self.clock.monotonic() + (when.timestamp() - self.clock.time())
        heapq.heappush(self._deadlines, (watch.deadline_at, next(self._deadline_seq), watch))
        if persist and self.store is not None:
            self.store.set_deadline(watch.key[0], watch.key[1], when)

    def _absolute(self, deadline: DeadlineLike) -> dt.datetime | None:
        if deadline is None:
            return None
        if isinstance(deadline, dt.datetime):
            if deadline.tzinfo is None or deadline.utcoffset() is None:
                raise ValueError(
                    f"deadline {deadline.isoformat()} has no timezone: give an aware datetime "
                    "(e.g. datetime.now(timezone.utc) + timedelta(hours=1)) or seconds from now"
                )
            return deadline.astimezone(dt.timezone.utc)
        if isinstance(deadline, dt.timedelta):
            return utc_from_epoch(self.clock.time() + deadline.total_seconds())
        if isinstance(deadline, (int, float)) and not isinstance(deadline, bool):
            return utc_from_epoch(self.clock.time() + float(deadline))
        raise TypeError(
            f"deadline must be an aware datetime, a timedelta or seconds from now, got {deadline!r}"
        )

    def _route(self, adapter: str, profile: str | Profile | None) -> _Route:
        wanted: object = profile if not isinstance(profile, Profile) else id(profile)
        route = self._routes.get((adapter, wanted))
        if route is not None:
            return route
        base = self.hub.connection(adapter, profile)
        prof = base.profile
        instance = self.hub.adapter(adapter, profile=prof)
        check_verb(instance, "get")
        lane = self._lane(prof)
        conn = TrackedConnection(base, lane.host, self.clock)
        route = _Route(instance, conn, lane, Bounds.of(type(instance).poll_interval, prof))
        self._routes[(adapter, wanted)] = route
        return route

    def _lane(self, profile: Profile) -> Lane[_Watch]:
        lane = self._lanes.get(profile.name)
        if lane is None:
            key = host_key(profile)
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = HostBudget(key, now=self.clock.monotonic())
            lane = self._lanes[profile.name] = Lane(profile.name, profile.max_in_flight, host)
        lane.host.limit_rate(profile.rate_per_second)
        return lane

    # -- running ----------------------------------------------------------------

    @property
    def watching(self) -> int:
        """Jobs still being watched."""
        return len(self._active)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def eta(self, adapter: str, job_id: str) -> dt.datetime | None:
        """When the job's counters predict its end (for progress displays), if they do.

        Read it from an ``on_event`` callback (the scheduler's thread).
        """
        watch = self._active.get((adapter, job_id))
        if watch is None or watch.pace.predicted_end is None:
            return None
        if watch.last is not None and watch.last.is_terminal:
            return None
        ahead = watch.pace.predicted_end - self.clock.monotonic()
        return utc_from_epoch(self.clock.time() + max(0.0, ahead))

    def lanes(self) -> dict[str, Lane[Any]]:
        """Each profile's lane (in-flight counts and their peak), for diagnostics."""
        return dict(self._lanes)

    def stop(self) -> None:
        """End the watch soon (any thread; safe in a signal handler): no new polls
        start; polls in flight get a short grace, then are abandoned. ``run()``
        returns the result with ``stopped`` set and the unfinished jobs in ``pending``."""
        self._stop.set()
        self._inbox.put(_WAKE)

    def run(self) -> TrackResult:
        """Watch until every job has ended its watch (or :meth:`stop`); once per tracker.

        On KeyboardInterrupt the watch is shut down the same way as by
        :meth:`stop` and the interrupt is re-raised; ``self.result`` holds
        what was seen.
        """
        with self._state:
            if self._started:
                raise RuntimeError("a Tracker runs once; make a new one to watch again")
            self._started = True
        pool: WorkerPool[_Watch, Outcome] | None = None
        try:
            size = self._pool_size()
            if size and self._active:
                pool = WorkerPool(size, self._poll, self._deliver)
            self._loop(pool)
        except BaseException:
            self._stop.set()
            self._shutdown(pool)
            raise
        self._shutdown(pool)
        return self.result

    def _pool_size(self) -> int:
        if self._workers is not None:
            return self._workers
        return max(1, min(MAX_WORKERS, sum(lane.limit for lane in self._lanes.values())))

    def _loop(self, pool: WorkerPool[_Watch, Outcome] | None) -> None:
        while not self._stop.is_set():
            self._drain()
            if not self._active:
                return
            now = self.clock.monotonic()
            for watch in self._schedule.pop_due(now):
                watch.route.lane.ready.append(watch)
            if self._dispatch(now, pool):
                continue
            self._expire_waiting(now)
            if self._active:
                self._idle(now, pool)

    def _dispatch(self, now: float, pool: WorkerPool[_Watch, Outcome] | None) -> bool:
        """Start every poll the lanes' budgets allow (inline: run them one by one)."""
        started = False
        for lane in self._lanes.values():
            ready = lane.ready
            while ready and lane.has_room:
                watch = ready[0]
                if self._active.get(watch.key) is not watch:
                    ready.popleft()  # its watch ended while it waited
                    continue
                if not lane.host.try_take(now):
                    break
                ready.popleft()
                lane.started()
                watch.busy = True
                self._in_flight += 1
                self.result.polls += 1
                started = True
                if pool is not None:
                    pool.submit(watch)
                    continue
                self._complete(watch, self._poll(watch))
                if self._stop.is_set():
                    return True
        return started

    def _expire_waiting(self, now: float) -> None:
        """End the watches whose deadline came while they waited for the budget
        (a poll in flight decides its job's fate when it returns)."""
        heap = self._deadlines
        while heap and heap[0][0] <= now:
            deadline_at, _, watch = heapq.heappop(heap)
            if (
                self._active.get(watch.key) is watch
                and watch.deadline_at == deadline_at
                and not watch.busy
            ):
                self._expire(watch, self._utcnow())

    def _next_wake(self, now: float) -> float | None:
        wake = self._schedule.next_due()
        heap = self._deadlines
        while heap and (self._active.get(heap[0][2].key) is not heap[0][2]):
            heapq.heappop(heap)
        if heap:
            wake = heap[0][0] if wake is None else min(wake, heap[0][0])
        for lane in self._lanes.values():
            if lane.ready and lane.has_room:
                at = lane.host.ready_at(now)
                wake = at if wake is None else min(wake, at)
        return wake

    def _idle(self, now: float, pool: WorkerPool[_Watch, Outcome] | None) -> None:
        wake = self._next_wake(now)
        if pool is not None and self._in_flight:
            if self._real_time:
                self._receive(None if wake is None else max(0.0, wake - now))
            else:
                # Simulated time stands still while requests are in flight.
                self._receive(0.01)
            return
        if wake is None:  # pragma: no cover - every active watch is scheduled, ready or in flight
            raise RuntimeError("tracker has active jobs but nothing scheduled")
        self._sleep(wake - now)

    def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self._real_time:
            self._receive(seconds)  # stop() wakes this at once
        elif self._can_block:
            self.clock.sleep(min(seconds, SLEEP_SLICE))
        else:
            self.clock.sleep(seconds)

    def _receive(self, timeout: float | None) -> None:
        try:
            item = self._inbox.get(timeout=timeout)
        except queue.Empty:
            return
        self._handle(item)
        self._drain()

    def _drain(self) -> None:
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return
            self._handle(item)

    def _handle(self, item: object) -> None:
        if item is _WAKE:
            return
        watch, outcome = cast("tuple[_Watch, Outcome]", item)
        self._complete(watch, outcome)

    def _poll(self, watch: _Watch) -> Outcome:
        """One status request (on a worker thread, or inline). Never raises."""
        route = watch.route
        try:
            return route.adapter.get(route.conn, watch.key[1])
        except Exception as exc:  # noqa: BLE001 - one job's failure, isolated and reported
            return exc

    def _deliver(self, watch: _Watch, outcome: Outcome) -> None:
        self._inbox.put((watch, outcome))

    def _shutdown(self, pool: WorkerPool[_Watch, Outcome] | None) -> None:
        if pool is not None:
            give_up = time.monotonic() + self._grace
            while self._in_flight and (left := give_up - time.monotonic()) > 0:
                self._receive(left)
            pool.shutdown()
        for key, watch in self._active.items():
            self.result.pending[key] = watch.last
            if watch.last is not None:
                self.result.jobs[key] = watch.last
        self.result.stopped = self._stop.is_set()
        self._active.clear()

    # -- outcomes -----------------------------------------------------------------

    def _utcnow(self) -> dt.datetime:
        return utc_from_epoch(self.clock.time())

    def _complete(self, watch: _Watch, outcome: Outcome) -> None:
        watch.route.lane.finished()
        watch.busy = False
        self._in_flight -= 1
        if self._active.get(watch.key) is not watch:
            return
        if isinstance(outcome, Job):
            self._observed(watch, outcome)
        else:
            self._failed(watch, outcome)

    def _observed(self, watch: _Watch, new: Job) -> None:
        if new.key != watch.key:
            self._failed(
                watch,
                ProviderResponseError(
                    f"asked for job {watch.key[1]!r}, the answer is for {new.adapter} job {new.id!r}",
                    adapter=watch.key[0],
                ),
            )
            return
        at = self._utcnow()
        now = self.clock.monotonic()
        if self.store is not None:
            obs = self.store.observe(new, profile=watch.route.profile.name, observed_at=at)
            if watch.store_deadline and watch.deadline is not None:
                self.store.set_deadline(watch.key[0], watch.key[1], watch.deadline)
                watch.store_deadline = False
        else:
            obs = observe(watch.last, new)
        watch.last = obs.job
        delay = 0.0
        if not obs.job.is_terminal:  # paced before the events, so eta() is current
            delay = self.policy.after_observation(
                watch.pace,
                watch.route.bounds,
                obs.job,
                status_changed=obs.status_changed,
                progressed=obs.progressed,
                now=now,
                rng=self._rng,
            )
        for anomaly in obs.anomalies:
            log.warning("%s", anomaly.describe())
            self._emit(EventKind.ANOMALY, watch, at, previous=obs.previous, anomaly=anomaly)
        if obs.status_changed:
            self._emit(EventKind.STATUS_CHANGED, watch, at, previous=obs.previous)
        elif obs.progressed:
            self._emit(EventKind.PROGRESS, watch, at, previous=obs.previous)
        if obs.job.is_terminal:
            del self._active[watch.key]
            self.result.jobs[watch.key] = obs.job
            return
        self._reschedule(watch, delay, now, at)

    def _failed(self, watch: _Watch, error: Exception) -> None:
        at = self._utcnow()
        now = self.clock.monotonic()
        adapter, job_id = watch.key
        route = watch.route
        if isinstance(error, ProviderError) and error.retryable:
            retry_after = error.retry_after if isinstance(error, RateLimited) else None
            delay = self.policy.after_error(
                watch.pace, route.bounds, retry_after=retry_after, rng=self._rng
            )
            if isinstance(error, RateLimited):
                route.lane.host.pause(now + delay)
            log.info("%s %s: %s; polling again in %.1fs", adapter, job_id, error, delay)
        elif isinstance(error, ProviderResponseError):
            log.warning("%s %s: %s; polling again later", adapter, job_id, error)
            self._record(watch, error, at)
            self._emit(EventKind.ERROR, watch, at, error=error)
            delay = self.policy.after_error(
                watch.pace, route.bounds, retry_after=None, rng=self._rng
            )
        else:
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
            self._record(watch, error, at)
            self._emit(EventKind.ERROR, watch, at, error=error)
            self.result.errors[watch.key] = error
            self._end(watch)
            return
        self._reschedule(watch, delay, now, at)

    def _reschedule(self, watch: _Watch, delay: float, now: float, at: dt.datetime) -> None:
        if watch.deadline_at is not None and now >= watch.deadline_at:
            self._expire(watch, at)
            return
        due = now + delay
        if watch.deadline_at is not None:
            due = min(due, watch.deadline_at)  # one last look at the deadline itself
        self._schedule.push(watch, due)

    def _expire(self, watch: _Watch, at: dt.datetime) -> None:
        assert watch.deadline is not None
        error = WatchDeadline(watch.last, watch.deadline, key=watch.key)
        log.info("%s", error)
        self.result.deadlines[watch.key] = error
        self._emit(EventKind.DEADLINE, watch, at, error=error)
        self._end(watch)

    def _end(self, watch: _Watch) -> None:
        del self._active[watch.key]
        self._schedule.cancel(watch)
        if watch.last is not None:
            self.result.jobs[watch.key] = watch.last

    def _record(self, watch: _Watch, error: Exception, at: dt.datetime) -> None:
        if self.store is not None:
            text = f"{type(error).__name__}: {error}"
            self.store.record_error(watch.key[0], watch.key[1], text, at)

    def _emit(self, kind: EventKind, watch: _Watch, at: dt.datetime, **fields: Any) -> None:
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
