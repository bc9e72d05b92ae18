"""Tracker behaviour, inline mode (workers=0) on a FakeClock: deterministic, no sleeping."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest
from jobadapter import (
    AuthError,
    Event,
    EventKind,
    Job,
    JobStatus,
    NotFound,
    PermissionDenied,
    Profile,
    ProviderResponseError,
    RateLimited,
    TransientError,
    UnknownAdapter,
    WatchDeadline,
    hookimpl,
)
from jobadapter.clock import FakeClock
from jobadapter.model import Counts
from jobadapter.observe import AnomalyKind
from jobadapter.testing.scripted import Linear, ScriptedJobs, Step, scripted_hub
from jobadapter.tracker import PollPolicy, Tracker

STEADY = PollPolicy(jitter=0.0)


class HookSpy:
    """A plugin recording what the event hooks receive."""

    JOBADAPTER_API_VERSION = "1.0"
    __name__ = "hookspy"

    def __init__(self) -> None:
        self.changed: list[Event] = []
        self.anomalies: list[Event] = []

    @hookimpl
    def job_changed(self, event: Event) -> None:
        self.changed.append(event)

    @hookimpl
    def job_anomaly(self, event: Event) -> None:
        self.anomalies.append(event)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def key(job_id: str, adapter: str = "scripted.alpha") -> tuple[str, str]:
    return (adapter, job_id)


def test_many_jobs_across_adapters_and_profiles_reach_their_true_terminal_jobs(
    clock: FakeClock,
) -> None:
    spy = HookSpy()
    adapters = ("scripted.alpha", "scripted.beta", "scripted.gamma")
    profiles = [
        Profile(name="east", provider="scripted"),
        Profile(name="west", provider="scripted"),
    ]
    hub, jobs = scripted_hub(clock, adapters, profiles, plugins=[spy])
    rng = random.Random(7)
    outcomes = [JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED]
    expected: dict[tuple[str, str], Job] = {}
    items: list[tuple[str, str, str]] = []
    for n in range(90):
        job_id = f"job-{n}"
        adapter = adapters[n % 3]
        run_at = rng.uniform(0, 20)
        end = run_at + rng.uniform(5, 400)
        outcome = outcomes[n % 3]
        timeline = Linear(
            run_at=run_at, end=end, total=100 + n, outcome=outcome, failed=n % 5, counts=n % 4 != 0
        )
        jobs.add(job_id, timeline)
        expected[(adapter, job_id)] = timeline.answer(adapter, job_id, end)
        items.append((adapter, job_id, profiles[n % 2].name))
    seen: list[Event] = []

    result = hub.track(items, workers=0, on_event=seen.append)

    assert result.jobs == expected
    assert result.finished == expected
    assert not (result.errors or result.deadlines or result.pending or result.stopped)
    assert not result.all_succeeded  # some failed, some were cancelled
    # Every job's last event is its terminal status change, seen by callback and hook alike.
    last = {e.key: e for e in seen}
    assert {k: e.job for k, e in last.items()} == expected
    assert all(e.kind is EventKind.STATUS_CHANGED for e in last.values())
    assert [e for e in spy.changed] == seen
    assert {e.profile for e in seen} == {"east", "west"}
    assert any(e.kind is EventKind.PROGRESS for e in seen)
    assert result.polls == jobs.count


def test_a_stale_backward_answer_is_an_anomaly_and_the_job_never_moves_back(
    clock: FakeClock,
) -> None:
    spy = HookSpy()
    hub, jobs = scripted_hub(clock, plugins=[spy])
    jobs.script(
        "j",
        Step(0, JobStatus.RUNNING, processed=50, total=100),
        Step(3, JobStatus.PENDING),  # a stale replica
        Step(6, JobStatus.RUNNING, processed=40, total=100),  # counters went down
        Step(9, JobStatus.RUNNING, processed=90, total=100),
        Step(12, JobStatus.SUCCEEDED, processed=100, total=100),
    )
    seen: list[Event] = []

    job = hub.wait("scripted.alpha", "j", on_event=seen.append, policy=STEADY)

    assert job.status is JobStatus.SUCCEEDED
    anomalies = [e for e in seen if e.kind is EventKind.ANOMALY]
    assert [e.anomaly.kind for e in anomalies if e.anomaly] == [
        AnomalyKind.BACKWARD_MOVE,
        AnomalyKind.COUNTS_DECREASED,
    ]
    assert spy.anomalies == anomalies
    # The kept job stayed RUNNING with the highest counters seen.
    assert anomalies[0].job is not None and anomalies[0].job.status is JobStatus.RUNNING
    assert anomalies[1].job is not None and anomalies[1].job.counts.processed == 50
    statuses = [e.job.status for e in seen if e.job is not None]
    assert JobStatus.PENDING not in statuses
    processed = [e.job.counts.processed for e in seen if e.job is not None]
    assert processed == sorted(processed)


def test_one_jobs_permanent_error_does_not_stop_the_others(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    jobs.add("ok-1", Linear(run_at=1, end=30))
    jobs.add("ok-2", Linear(run_at=2, end=60, outcome=JobStatus.FAILED))
    jobs.script("denied", Step(0, error=PermissionDenied("not yours", status=403)))
    jobs.script(
        "expired",
        Step(0, JobStatus.RUNNING),
        Step(5, error=AuthError("token revoked", status=401)),
    )
    seen: list[Event] = []

    result = hub.track(
        [key("ok-1"), key("missing"), key("denied"), key("expired"), key("ok-2")],
        workers=0,
        on_event=seen.append,
    )

    assert result.finished.keys() == {key("ok-1"), key("ok-2")}
    assert isinstance(result.errors[key("missing")], NotFound)
    assert isinstance(result.errors[key("denied")], PermissionDenied)
    assert isinstance(result.errors[key("expired")], AuthError)
    assert result.jobs[key("expired")].status is JobStatus.RUNNING  # last seen, not faked
    assert key("missing") not in result.jobs
    errors = {e.key: e.error for e in seen if e.kind is EventKind.ERROR}
    assert errors == result.errors
    # A dropped job is not polled again.
    assert len(jobs.times("missing")) == 1
    with pytest.raises(NotFound):
        result.outcome(key("missing"))


def test_transient_and_malformed_answers_are_retried_not_fatal(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    jobs.script(
        "flaky",
        Step(0, error=TransientError("HTTP 503", status=503)),
        Step(10, error=ProviderResponseError("truncated JSON")),
        Step(20, JobStatus.RUNNING),
        Step(60, JobStatus.SUCCEEDED),
    )
    seen: list[Event] = []

    job = hub.wait("scripted.alpha", "flaky", on_event=seen.append, policy=STEADY)

    assert job.status is JobStatus.SUCCEEDED
    errors = [e for e in seen if e.kind is EventKind.ERROR]
    # Malformed answers are reported; plain transient ones are only retried.
    assert errors and all(isinstance(e.error, ProviderResponseError) for e in errors)
    times = jobs.times("flaky")
    # Error backoff doubles from the short interval: 1, 2, 4, 8 ...
    assert times[:5] == [0.0, 1.0, 3.0, 7.0, 15.0]


def test_deadline_ends_the_watch_with_the_last_job_never_a_fake_status(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    jobs.add("slow", Linear(run_at=2, end=500, total=1000))
    seen: list[Event] = []

    with pytest.raises(WatchDeadline) as caught:
        hub.wait("scripted.alpha", "slow", deadline=45, on_event=seen.append, policy=STEADY)

    start = jobs.start
    error = caught.value
    assert error.deadline == dt.datetime.fromtimestamp(start + 45, tz=dt.timezone.utc)
    assert error.job is not None and error.job.status is JobStatus.RUNNING
    assert error.key == key("slow")
    # One last look at the deadline itself, then the watch ends.
    assert jobs.times("slow")[-1] == 45.0
    assert error.job.counts.processed == int(1000 * (45 - 2) / 498)
    assert seen[-1].kind is EventKind.DEADLINE and seen[-1].job == error.job
    assert clock.time() == start + 45


def test_deadline_as_an_aware_datetime_and_bad_deadlines(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    jobs.add("slow", Linear(run_at=0, end=500))
    when = dt.datetime.fromtimestamp(clock.time() + 20, tz=dt.timezone(dt.timedelta(hours=2)))
    result = hub.track([key("slow")], deadline=when, workers=0)
    assert result.deadlines[key("slow")].deadline == when
    assert result.deadlines[key("slow")].deadline.tzinfo == dt.timezone.utc
    with pytest.raises(ValueError, match="no timezone"):
        hub.track([key("slow")], deadline=dt.datetime(2030, 1, 1), workers=0)
    with pytest.raises(TypeError, match="deadline must be"):
        hub.track([key("slow")], deadline="tomorrow", workers=0)  # type: ignore[arg-type]


def test_a_deadline_already_passed_still_looks_once(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    jobs.add("done", Linear(run_at=-10, end=-5))
    jobs.add("busy", Linear(run_at=-10, end=50))
    result = hub.track([key("done"), key("busy")], deadline=-1, workers=0)
    assert result.finished[key("done")].status is JobStatus.SUCCEEDED
    assert result.deadlines[key("busy")].job is not None


def test_wait_returns_the_terminal_job_and_tracks_a_submitted_job(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    jobs.add("j", Linear(run_at=3, end=20))
    submitted = jobs.answer("scripted.alpha", "j", "scripted")
    jobs.calls.clear()
    result = hub.track([submitted], workers=0, policy=STEADY)
    assert result.finished[key("j")].status is JobStatus.SUCCEEDED
    # A Job handed over (just submitted) is first polled after the short interval.
    assert jobs.times("j")[0] == 1.0
    # An already terminal Job needs no request at all.
    done = result.finished[key("j")]
    count = jobs.count
    assert hub.track([done], workers=0).finished == {key("j"): done}
    assert jobs.count == count


@pytest.mark.parametrize("counted", [True, False])
def test_polls_back_off_while_nothing_changes_and_reset_on_a_change(
    clock: FakeClock, counted: bool
) -> None:
    hub, jobs = scripted_hub(clock)
    running = (
        Step(30, JobStatus.RUNNING, processed=0, total=100)
        if counted
        else Step(30, JobStatus.RUNNING)
    )
    jobs.script("j", Step(0, JobStatus.PENDING), running, Step(200, JobStatus.SUCCEEDED))

    hub.wait("scripted.alpha", "j", policy=STEADY)

    times = jobs.times("j")
    # Fast at first (the first look finds the job, the second is at the floor),
    # then, with no latency budget (blind_max), a pending job backs off.
    assert times[:3] == [0.0, 1.0, 2.5]
    first_running = next(t for t in times if t >= 30)
    after = times[times.index(first_running) :]
    gaps = [round(b - a, 4) for a, b in itertools.pairwise(after)]
    if counted:
        # A count and a total: the change resets the interval to the shortest
        # (a second count soon gives the rate), then it backs off again.
        assert gaps[:3] == [1.0, 1.5, 2.25]
    else:
        # Nothing to predict from: the blind cadence goes on, no early look.
        assert gaps[0] > 2.25
    # Never longer than the adapter's ceiling (30 s).
    assert max(b - a for a, b in itertools.pairwise(times)) <= 30.0


def test_jitter_spreads_backoff_within_bounds(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    jobs.script("j", Step(0, JobStatus.PENDING), Step(300, JobStatus.SUCCEEDED))
    tracker = Tracker(hub, workers=0, policy=PollPolicy(jitter=0.2), rng=random.Random(1))
    tracker.add("scripted.alpha", "j")
    tracker.run()
    gaps = [b - a for a, b in itertools.pairwise(jobs.times("j"))]
    assert all(1.0 <= g <= 30.0 for g in gaps)
    below = [g for g in gaps if g < 30.0]
    assert len({round(g, 6) for g in below}) == len(below)  # not in lockstep
    # At the ceiling the gap is the worst case itself, kept exact.
    assert gaps[len(below) :] == [30.0] * (len(gaps) - len(below))


def test_polls_aim_at_the_end_the_counters_predict(clock: FakeClock) -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=2.0, poll_max=600.0)
    hub, jobs = scripted_hub(clock, profiles=[profile])
    jobs.add("j", Linear(run_at=0, end=300, total=3000))

    hub.wait("scripted.alpha", "j", policy=STEADY)

    # Anchor at 0, a second sample 2 s later gives the rate, the next poll is
    # at the predicted end less one move of the counter (it may lag by that
    # much), then at the end: four requests for a five-minute job.
    assert jobs.times("j") == [0.0, 2.0, 298.0, 300.0]


def test_prediction_is_bounded_by_poll_max_and_refined_on_the_way(clock: FakeClock) -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=0.5, poll_max=60.0)
    hub, jobs = scripted_hub(clock, profiles=[profile])
    jobs.add("j", Linear(run_at=0, end=250, total=1000))
    hub.wait("scripted.alpha", "j", policy=STEADY)
    times = jobs.times("j")
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) == 60.0 and min(gaps) >= 0.5
    assert 250.0 <= times[-1] <= 250.5 + 1e-9  # noticed within the shortest interval
    assert len(times) <= 9


def test_eta_reports_the_predicted_end_to_progress_displays(clock: FakeClock) -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=2.0, poll_max=600.0)
    hub, jobs = scripted_hub(clock, profiles=[profile])
    jobs.add("j", Linear(run_at=0, end=300, total=3000))
    tracker = hub.tracker(workers=0, policy=STEADY)
    tracker.add("scripted.alpha", "j")
    etas: list[dt.datetime | None] = []
    tracker._on_event = lambda event: etas.append(tracker.eta("scripted.alpha", "j"))
    tracker.run()
    start = jobs.start
    assert etas[0] is None  # one sample: no rate yet
    # The end, on the early side by the counter's last move (20 rows: 2 s).
    assert etas[1] == dt.datetime.fromtimestamp(start + 298, tz=dt.timezone.utc)
    assert etas[-1] is None  # finished: no longer watched
    assert tracker.eta("scripted.alpha", "nope") is None


def test_unchanged_polls_keep_aiming_at_a_predicted_end(clock: FakeClock) -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=1.0, poll_max=600.0)
    hub, jobs = scripted_hub(clock, profiles=[profile])
    # Counters move at 0..2, then freeze (batch updates) until the job ends at 100.
    jobs.script(
        "j",
        Step(0, JobStatus.RUNNING, processed=0, total=100),
        Step(1, JobStatus.RUNNING, processed=1, total=100),
        Step(100, JobStatus.SUCCEEDED, processed=100, total=100),
    )
    hub.wait("scripted.alpha", "j", policy=STEADY)
    # Aimed one counter step early (99), then, the end passed, backing off.
    assert jobs.times("j") == [0.0, 1.0, 99.0, 100.5]


def test_rate_limited_answer_delays_that_profiles_polls_only(clock: FakeClock) -> None:
    profiles = [Profile(name="a", provider="scripted"), Profile(name="b", provider="scripted")]
    hub, jobs = scripted_hub(clock, profiles=profiles)
    jobs.script(
        "limited",
        Step(0, error=RateLimited("slow down", status=429, retry_after=30)),
        Step(1, JobStatus.RUNNING),
        Step(40, JobStatus.SUCCEEDED),
    )
    for name in ("a-1", "a-2", "b-1"):
        jobs.add(name, Linear(run_at=0, end=45, counts=False))

    result = hub.track(
        [
            ("scripted.alpha", "limited", "a"),
            ("scripted.alpha", "a-1", "a"),
            ("scripted.alpha", "a-2", "a"),
            ("scripted.alpha", "b-1", "b"),
        ],
        workers=0,
        policy=STEADY,
    )

    assert len(result.finished) == 4
    a_polls = sorted(t - jobs.start for t, _, _, p in jobs.calls if p == "a")
    assert a_polls[0] == 0.0 and a_polls[1] >= 30.0  # the whole profile waited out Retry-After
    assert jobs.times("limited")[1] >= 30.0
    b_polls = jobs.times("b-1")
    assert b_polls[:3] == [0.0, 1.0, 2.5]  # the other profile went on


def test_profiles_on_one_host_share_its_rate_budget(clock: FakeClock) -> None:
    profiles = [
        Profile(
            name="a", provider="scripted", base_url="https://api.example.test", rate_per_second=2
        ),
        Profile(name="b", provider="scripted", base_url="https://API.example.test/v2"),
    ]
    hub, jobs = scripted_hub(clock, profiles=profiles)
    items: list[Any] = []
    for n in range(10):
        jobs.add(f"j{n}", Linear(run_at=0, end=1000, counts=False))
        items.append(("scripted.alpha", f"j{n}", "ab"[n % 2]))
    result = hub.track(items, workers=0, deadline=10)
    assert len(result.deadlines) == 10
    times = sorted(t - jobs.start for t, *_ in jobs.calls)
    # Two per second across both profiles (after an initial burst of two).
    for second in range(10):
        assert sum(second <= t < second + 1 for t in times) <= 2 + (second == 0)


def test_unknown_adapter_or_profile_is_a_clear_error_up_front(clock: FakeClock) -> None:
    hub, _ = scripted_hub(clock)
    with pytest.raises(UnknownAdapter):
        hub.track([("nope.kind", "1")], workers=0)
    with pytest.raises(TypeError, match="cannot track"):
        hub.track(["just-an-id"], workers=0)  # type: ignore[list-item]


def test_answer_for_another_job_is_malformed_and_retried(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)

    class Confused:
        def answer(self, adapter: str, job_id: str, t: float) -> Job:
            if t < 5:
                return Job(adapter=adapter, id="someone-else", status=JobStatus.RUNNING)
            return Job(adapter=adapter, id=job_id, status=JobStatus.SUCCEEDED)

    jobs.add("j", Confused())
    seen: list[Event] = []
    assert hub.wait("scripted.alpha", "j", on_event=seen.append).status is JobStatus.SUCCEEDED
    assert any(e.kind is EventKind.ERROR and "someone-else" in str(e.error) for e in seen)


def test_a_failing_callback_does_not_break_the_watch(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    jobs.add("j", Linear(run_at=0, end=10))

    def boom(event: Event) -> None:
        raise RuntimeError("callback bug")

    assert hub.wait("scripted.alpha", "j", on_event=boom).status is JobStatus.SUCCEEDED


def test_stop_from_a_callback_ends_the_watch_with_pending_jobs(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    for n in range(5):
        jobs.add(f"j{n}", Linear(run_at=0, end=1000))
    tracker = hub.tracker(workers=0)
    tracker.extend([key(f"j{n}") for n in range(5)])
    events: list[Event] = []

    def on_event(event: Event) -> None:
        events.append(event)
        if len(events) == 7:
            tracker.stop()

    tracker._on_event = on_event
    result = tracker.run()
    assert result.stopped
    assert set(result.pending) == {key(f"j{n}") for n in range(5)}
    assert all(
        job is not None and job.status is JobStatus.RUNNING for job in result.pending.values()
    )
    with pytest.raises(RuntimeError, match="runs once"):
        tracker.run()


def test_ctrl_c_during_an_inline_watch_shuts_down_and_reraises(clock: FakeClock) -> None:
    hub, jobs = scripted_hub(clock)
    jobs.add("j", Linear(run_at=0, end=1000))
    tracker = hub.tracker(workers=0)
    tracker.add("scripted.alpha", "j")

    def on_event(event: Event) -> None:
        if event.kind is EventKind.PROGRESS:
            raise KeyboardInterrupt

    tracker._on_event = on_event
    with pytest.raises(KeyboardInterrupt):
        tracker.run()
    assert tracker.result.stopped
    assert tracker.result.pending[key("j")] is not None


def test_wait_with_no_jobs_and_tracker_argument_checks(clock: FakeClock) -> None:
    hub, _ = scripted_hub(clock)
    result = hub.track([], workers=0)
    assert result.jobs == {} and result.all_succeeded and not result.stopped
    with pytest.raises(ValueError, match="workers"):
        hub.tracker(workers=-1)
    tracker = hub.tracker(workers=0)
    with pytest.raises(ValueError, match="job_id"):
        tracker.add("scripted.alpha", "")


def test_scripted_jobs_record_calls(clock: FakeClock) -> None:
    jobs = ScriptedJobs(clock)
    jobs.add("x", Linear(run_at=0, end=1, counts=False))
    assert jobs.answer("scripted.alpha", "x", "p").status is JobStatus.RUNNING
    assert jobs.times("x") == [0.0]
    assert jobs.answer("a.b", "x", "p").counts == Counts()
