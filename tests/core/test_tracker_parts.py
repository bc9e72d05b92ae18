"""The tracker's parts on their own: schedule, polling policy, budgets, observed transport."""

from __future__ import annotations

import json
import math
import random
import threading
from collections.abc import Callable
from typing import Any

import pytest
from jobadapter import Adapter, Job, JobStatus, Profile, StatusTable, hookimpl
from jobadapter.clock import FakeClock
from jobadapter.connection import Connection
from jobadapter.hub import Hub
from jobadapter.model import Counts
from jobadapter.tracker import Bounds, HostBudget, Lane, PollPolicy, Schedule, host_key
from jobadapter.tracker.policy import Pace
from jobadapter.tracker.pool import WorkerPool
from jobadapter.transport import Response


class Item:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ticket = -1

    def __repr__(self) -> str:
        return self.name


def test_schedule_pops_due_items_in_order_and_rescheduling_replaces() -> None:
    schedule: Schedule[Item] = Schedule()
    a, b, c = Item("a"), Item("b"), Item("c")
    schedule.push(a, 5.0)
    schedule.push(b, 1.0)
    schedule.push(c, 3.0)
    schedule.push(a, 2.0)  # moved earlier: the old entry is dead
    assert len(schedule) == 3
    assert schedule.next_due() == 1.0
    assert schedule.pop_due(2.5) == [b, a]
    schedule.cancel(c)
    assert schedule.next_due() is None and len(schedule) == 0
    assert schedule.pop_due(100) == []
    schedule.push(c, 4.0)
    schedule.push(c, 9.0)
    assert schedule.pop_due(5.0) == [] and schedule.pop_due(9.0) == [c]


def test_bounds_come_from_the_profile_else_the_adapter() -> None:
    assert Bounds.of((2.0, 60.0)) == Bounds(2.0, 60.0)
    prof = Profile(name="p", provider="x", poll_min=0.5, poll_max=10.0)
    assert Bounds.of((2.0, 60.0), prof) == Bounds(0.5, 10.0)
    # A floor above the adapter's ceiling lifts the ceiling; zero is refused.
    assert Bounds.of((2.0, 60.0), Profile(name="p", provider="x", poll_min=90.0)) == Bounds(90, 90)
    assert Bounds.of((0.0, 0.0)).low > 0


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


def test_policy_backs_off_resets_and_predicts() -> None:
    policy, bounds, rng = PollPolicy(jitter=0.0), Bounds(1.0, 30.0), random.Random(0)
    pace = policy.start(bounds)

    def after(job: Job, now: float, *, changed: bool = False, progressed: bool = False) -> float:
        return policy.after_observation(
            pace, bounds, job, status_changed=changed, progressed=progressed, now=now, rng=rng
        )

    assert after(running(None), 0, changed=True) == 1.0
    assert [after(running(None), t) for t in (1, 2, 3, 4)] == [1.5, 2.25, 3.375, 5.0625]
    # First count: only an anchor, so no prediction yet; keep backing off.
    assert after(running(10), 10, progressed=True) == 7.59375
    # 2/s; 80 rows left, less the counter's last move (10 rows): 35 s, capped
    assert after(running(20), 15, progressed=True) == 30.0
    assert pace.predicted_end == 50.0
    assert after(running(70), 40, progressed=True) == 10.0  # still 2/s: 30 - 10 rows left
    assert after(running(70), 42) == 8.0  # unchanged: still aim at the end
    assert after(running(70), 51) == 1.5  # the end passed: back off from the floor


def progress_stepper(policy: PollPolicy, bounds: Bounds) -> Callable[..., float]:
    """``after(job, now, changed=False)``: the next delay for one job whose counters
    moved at each call (or whose status changed, with ``changed``)."""
    pace, rng = policy.start(bounds), random.Random(0)

    def after(job: Job, now: float, *, changed: bool = False) -> float:
        return policy.after_observation(
            pace, bounds, job, status_changed=changed, progressed=not changed, now=now, rng=rng
        )

    return after


def test_policy_approaches_a_far_end_in_steps_bounded_by_the_jobs_age() -> None:
    policy = PollPolicy(jitter=0.0, blind_max=5.0, approach=0.5, reach=2.0)
    after = progress_stepper(policy, Bounds(1.0, 600.0))
    assert after(running(0, 1000), 0, changed=True) == 1.0
    # 1 row/s, ~1000 s to go: early rates mislead, so step at most twice the
    # time seen running (and never below the blind ceiling), re-measuring.
    assert after(running(2, 1000), 2) == 5.0
    assert after(running(7, 1000), 7) == 14.0
    # Never more than ``stride`` blind ceilings (8 x 5 s) at a time.
    assert after(running(21, 1000), 21) == 40.0
    # Faster now (and speeding up): the end comes sooner than the rate says.
    # The rate grew 13.8-fold between the middles of the last two intervals
    # (14 s and 42 s), faster than against the average since the start, and
    # is assumed to keep growing as fast.
    rate = 579 / 42
    growth = max(math.log(rate / 1.0) / 28, math.log(rate / (600 / 63)) / (42 - 31.5))
    left = 1000 - 600 - 2  # less the smallest move seen
    eta = math.log1p(growth * left / rate) / growth
    assert after(running(600, 1000), 63) == pytest.approx(eta / 2)  # half way there
    # Near the end (within the blind ceiling): aim at it.
    assert after(running(970, 1000), 100) < 5.0


def test_the_last_step_stops_far_enough_out_to_aim_at_the_end() -> None:
    """With a 2 s floor and the end 6 s away, a 5 s step would leave 1 s: the
    next poll, held at the floor, would see the end a second late. Stop 3 s
    (``landing`` = 1.5 floors) short instead, then aim at the end itself."""
    policy = PollPolicy(jitter=0.0, blind_max=5.0, approach=0.5, reach=2.0, landing=1.5)
    after = progress_stepper(policy, Bounds(2.0, 600.0))
    assert after(running(0, 100), 0, changed=True) == 2.0
    assert after(running(1, 100), 1) == 5.0  # the counter moves a row at a time
    assert after(running(10, 100), 10) == 20.0  # 1 row/s, 89 s to go: step by age
    assert after(running(92, 100), 92) == pytest.approx(4.0)  # 7 s to go: not 5
    assert after(running(96, 100), 96) == pytest.approx(3.0)  # 3 s to go: aimed at
    # It never steps below the floor, however close the end.
    assert after(running(99, 100), 98.5) == 2.0  # 0.75 s to go
    with pytest.raises(ValueError):
        PollPolicy(landing=0.5)


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


def test_an_overdue_job_is_watched_within_half_the_blind_ceiling() -> None:
    """Past the end its counters predicted, a job is at its end by its own count:
    that end, likely any moment, is seen within ``overdue_share`` (half) of the
    blind ceiling, not the whole of it, for as long overdue as the job had run
    when it was due; after that the prediction says nothing: blind again."""
    pace, after = watching(PollPolicy(jitter=0.0, blind_max=8.0), Bounds(1.0, 600.0))

    assert after(0, 0, changed=True) == 1.0
    # 10 rows/s; 80 rows left (less the last move): due at 9 s, aimed at.
    assert after(10, 1, moved=True) == 8.0
    delays, now = [], 9.0
    for _ in range(7):
        delays.append(after(10, now))
        now += delays[-1]
    # Backing off from the floor to 4 s, half the blind ceiling, until 18 s
    # (9 s overdue, as long as the job had run when due); then to the ceiling.
    assert delays == [1.5, 2.25, 3.375, 4.0, 6.0, 8.0, 8.0]
    # Counters that move again give a new prediction: no longer overdue.
    assert after(50, now, moved=True) < 8.0
    assert pace.due is None
    with pytest.raises(ValueError):
        PollPolicy(overdue_share=0.0)
    with pytest.raises(ValueError):
        PollPolicy(overdue_share=1.5)


def test_counters_stopped_far_from_their_end_are_watched_at_the_blind_ceiling() -> None:
    """Counters that stop far from the end they predicted may jump to it at any
    time, no moment likelier than another: the job is watched at the blind
    ceiling at once (a backoff from the floor spent looks where an end was
    no likelier)."""
    pace, after = watching(PollPolicy(jitter=0.0, blind_max=8.0), Bounds(1.0, 600.0))

    assert after(0, 0, changed=True) == 1.0
    assert after(1, 1, moved=True) == 8.0  # 1 row/s, ~98 s to go: a step
    assert [after(1, t) for t in (9, 17)] == [8.0, 8.0]
    assert pace.predicted_end is None and pace.due is None
    # Without a latency budget the ceiling is poll_max, a bound on the request
    # rate (60 s here): backed off to from the floor, as before the stop.
    _, after = watching(PollPolicy(jitter=0.0), Bounds(1.0, 60.0), total=1000)
    assert after(0, 0, changed=True) == 1.0
    assert after(1, 1, moved=True) == 60.0  # ~998 s to go: a step
    assert [after(1, 61), after(1, 62.5)] == [1.5, 2.25]


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


def test_progress_without_a_total_backs_off_like_no_change() -> None:
    policy = PollPolicy(jitter=0.0)
    bounds, rng = Bounds(1.0, 30.0), random.Random(0)
    pace = policy.start(bounds)
    pace.interval = 4.0
    delays = [
        policy.after_observation(
            pace, bounds, running(n, None), status_changed=False, progressed=True, now=n, rng=rng
        )
        for n in (1, 2, 3)
    ]
    assert delays == [6.0, 9.0, 13.5]


def test_error_backoff_doubles_and_honours_retry_after() -> None:
    policy, bounds, rng = PollPolicy(jitter=0.0), Bounds(1.0, 30.0), random.Random(0)
    pace = policy.start(bounds)
    delays = [policy.after_error(pace, bounds, retry_after=None, rng=rng) for _ in range(7)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert policy.after_error(pace, bounds, retry_after=120.0, rng=rng) == 120.0
    policy.after_observation(
        pace, bounds, running(1), status_changed=True, progressed=False, now=0, rng=rng
    )
    assert pace.errors == 0


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        PollPolicy(backoff=0.5)
    with pytest.raises(ValueError):
        PollPolicy(jitter=1.5)
    with pytest.raises(ValueError):
        PollPolicy(approach=0)
    with pytest.raises(ValueError):
        PollPolicy(blind_max=0)


def test_host_budget_token_bucket() -> None:
    budget = HostBudget("h", rate=2.0, now=0.0)
    assert budget.try_take(0.0) and budget.try_take(0.0)
    assert not budget.try_take(0.0)
    assert budget.ready_at(0.0) == pytest.approx(0.5)
    assert budget.try_take(0.5) and not budget.try_take(0.5)
    budget.limit_rate(10.0)  # a faster profile does not raise a slower one's limit
    assert budget.ready_at(0.5) == pytest.approx(1.0)
    budget.limit_rate(1.0)
    assert budget.ready_at(0.5) == pytest.approx(1.5)


def test_host_budget_pauses_on_429_and_slows_when_the_window_runs_low() -> None:
    budget = HostBudget("h", now=0.0)
    assert budget.try_take(0.0) and budget.try_take(0.0)  # unlimited by default
    budget.note_response(429, {"Retry-After": "12"}, 1.0)
    assert budget.ready_at(1.0) == 13.0 and not budget.try_take(12.9)
    assert budget.try_take(13.0)
    budget.note_response(
        200, {"RateLimit-Limit": "100", "RateLimit-Remaining": "50", "RateLimit-Reset": "30"}, 14.0
    )
    assert budget.slowdowns == 1  # plenty left: no change
    budget.note_response(
        200,
        {"ratelimit-limit": "100, 100;w=60", "ratelimit-remaining": "5", "ratelimit-reset": "10"},
        14.0,
    )
    assert budget.slowdowns == 2
    assert budget.try_take(14.0) and not budget.try_take(14.0)
    assert budget.ready_at(14.0) == pytest.approx(16.0)  # 5 left in 10 s: one per 2 s
    assert budget.try_take(16.0) and not budget.try_take(17.0) and budget.try_take(18.0)
    assert budget.try_take(25.0) and budget.try_take(25.0)  # window reset: unlimited again
    budget.note_response(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "x"}, 30.0)
    assert budget.ready_at(30.0) == 31.0  # spent, no usable reset: a short pause


def test_host_key_and_lane() -> None:
    assert host_key(Profile(name="p", provider="x", base_url="https://API.x.test:8443/v1")) == (
        "https://api.x.test:8443"
    )
    assert host_key(Profile(name="p", provider="x")) == "profile:p"
    lane: Lane[str] = Lane("p", 2, HostBudget("h"))
    lane.started()
    lane.started()
    assert not lane.has_room and lane.peak == 2
    lane.finished()
    assert lane.has_room
    with pytest.raises(ValueError):
        Lane("p", 0, HostBudget("h"))


def test_worker_pool_runs_work_and_drops_it_after_shutdown() -> None:
    done: list[tuple[int, int]] = []
    finished = threading.Event()

    def record(item: int, outcome: int) -> None:
        done.append((item, outcome))
        if len(done) == 3:
            finished.set()

    pool: WorkerPool[int, int] = WorkerPool(2, lambda n: n * n, record)
    for n in (1, 2, 3):
        pool.submit(n)
    assert finished.wait(5)
    assert sorted(done) == [(1, 1), (2, 4), (3, 9)]
    pool.shutdown(wait=5)
    with pytest.raises(RuntimeError):
        pool.submit(4)
    with pytest.raises(ValueError):
        WorkerPool(0, lambda n: n, record)


class StubTransport:
    """Answers every GET with a canned status body and rate-limit headers."""

    def __init__(self, clock: FakeClock, headers: dict[str, str]) -> None:
        self.clock = clock
        self.headers = headers
        self.kwargs: list[dict[str, Any]] = []
        self.times: list[float] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        self.kwargs.append(kwargs)
        self.times.append(self.clock.time())
        job_id = url.rsplit("/", 1)[-1]
        body = json.dumps({"id": job_id, "state": "busy"}).encode()
        return Response(
            status=200,
            headers={"Content-Type": "application/json", **self.headers},
            data=body,
            method=method,
            url=url,
        )

    def close(self) -> None:
        pass


class HttpAdapter(Adapter):
    name = "stub.job"
    provider = "generic"
    statuses = StatusTable(
        {JobStatus.RUNNING: ("busy",), JobStatus.SUCCEEDED: ("done",)}, owner=name
    )
    capabilities = frozenset({"get"})

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        body = self.require_mapping(payload)
        return Job(
            adapter=self.name,
            id=self.job_id_from(body.get("id"), job_id, "id"),
            status=self.status_of(body.get("state")),
        )

    def get(self, conn: Connection, job_id: str) -> Job:
        return self.parse(conn.get_json(f"/jobs/{job_id}", adapter=self.name), job_id=job_id)


class HttpPlugin:
    JOBADAPTER_API_VERSION = "1.0"

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        register(HttpAdapter)


def test_rate_limit_headers_of_status_answers_slow_the_tracker() -> None:
    clock = FakeClock()
    transport = StubTransport(
        clock, {"RateLimit-Limit": "100", "RateLimit-Remaining": "0", "RateLimit-Reset": "20"}
    )
    profile = Profile(
        name="p",
        provider="generic",
        base_url="https://api.stub.test",
        secrets={"token": "tok-123456"},
    )
    hub = Hub(
        load_entrypoints=False,
        plugins=[HttpPlugin()],
        profiles=[profile],
        clock=clock,
        transport=transport,
    )  # type: ignore[arg-type]
    tracker = hub.tracker(workers=0)
    tracker.extend([("stub.job", "1"), ("stub.job", "2")], deadline=70)
    start = clock.time()

    result = tracker.run()

    # Every answer said the window is spent for 20 s: one request per window,
    # whichever job it is for; a job still waiting for the budget at its
    # deadline ends its watch on time, without one more request.
    assert [t - start for t in transport.times] == [0.0, 20.0, 40.0, 60.0]
    assert len(result.deadlines) == 2
    assert clock.time() - start == 70.0
    assert tracker.lanes()["p"].host.slowdowns == 4
    # The adapter's requests went through the hub's transport, with a retry hook.
    assert all(callable(kw.get("on_retry")) for kw in transport.kwargs)
    # And the tracker's connection shares the hub connection's credentials.
    hub_conn = hub.connection("stub.job", "p")
    assert hub_conn.credentials is tracker._routes.route("stub.job", None).conn.credentials
