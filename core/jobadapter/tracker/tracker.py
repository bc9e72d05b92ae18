"""The Tracker: watch any number of jobs, across adapters and profiles, with
few requests.

One scheduler loop (the thread that calls :meth:`Tracker.run`) owns all
state: the heap of next-poll times, each profile's lane and each job's last
Job. Polls run on a small pool of worker threads that share the host's
connection pool, or, with ``workers=0``, inline in the scheduler thread,
which is deterministic under a :class:`~jobadapter.clock.FakeClock`. Only the
scheduler applies observations, emits events and writes the store, so hooks
and callbacks are never called concurrently and an abandoned request can
never half-write anything. This module is the running part; what the jobs
are and what each outcome means is :mod:`jobadapter.tracker.watches`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import queue
import random
import threading
import time
from typing import Any, cast

from jobadapter.clock import Clock, FakeClock, SystemClock, utc_from_epoch
from jobadapter.tracker.budget import Lane
from jobadapter.tracker.policy import PollPolicy
from jobadapter.tracker.pool import WorkerPool
from jobadapter.tracker.ports import TrackerHost
from jobadapter.tracker.result import TrackResult
from jobadapter.tracker.routes import DeadlineLike, Watch
from jobadapter.tracker.store import TrackerStore
from jobadapter.tracker.watches import OnEvent, Outcome, TrackItem, Watches
from jobadapter.transport.deadline import call_deadline

#: Real seconds a stopping tracker waits for requests in flight before abandoning them.
STOP_GRACE = 0.5
#: Longest single sleep on a clock that is neither the system's nor a FakeClock,
#: so that ``stop()`` is noticed promptly.
SLEEP_SLICE = 0.25
#: Default cap on worker threads.
MAX_WORKERS = 32

_WAKE = object()

__all__ = ["DeadlineLike", "OnEvent", "Outcome", "TrackItem", "Tracker"]


class Tracker(Watches):
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
        hub: TrackerHost,
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
        super().__init__(hub, on_event=on_event, store=store, clock=clock, policy=policy, rng=rng)
        self._workers = workers
        self._grace = grace
        self._inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._real_time = isinstance(self.clock, SystemClock)
        self._can_block = not isinstance(self.clock, FakeClock)

    def __repr__(self) -> str:
        return f"<Tracker watching={len(self._active)} in_flight={self._in_flight}>"

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
        pool: WorkerPool[Watch, Outcome] | None = None
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

    def _loop(self, pool: WorkerPool[Watch, Outcome] | None) -> None:
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

    def _dispatch(self, now: float, pool: WorkerPool[Watch, Outcome] | None) -> bool:
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

    def _idle(self, now: float, pool: WorkerPool[Watch, Outcome] | None) -> None:
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
        watch, outcome = cast("tuple[Watch, Outcome]", item)
        self._complete(watch, outcome)

    def _poll(self, watch: Watch) -> Outcome:
        """One status request (on a worker thread, or inline). Never raises."""
        route = watch.route
        # The watch's deadline bounds the whole request, its retries and waits included.
        at = watch.deadline_at
        # The answer is as old as its request: stored by when it was fetched, an answer
        # that arrives after a newer one (another watcher's) is not taken for news.
        watch.fetched_at = self._utcnow()
        try:
            with call_deadline(None if at is None else at - self.clock.monotonic()):
                return route.adapter.get(route.conn, watch.key[1])
        except Exception as exc:  # noqa: BLE001 - one job's failure, isolated and reported
            return exc

    def _deliver(self, watch: Watch, outcome: Outcome) -> None:
        self._inbox.put((watch, outcome))

    def _shutdown(self, pool: WorkerPool[Watch, Outcome] | None) -> None:
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
