"""What a watch ends with: true terminal jobs, anomalies kept out, errors kept per job."""

from __future__ import annotations

import random

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
    TransientError,
    UnknownAdapter,
    hookimpl,
)
from jobadapter.clock import FakeClock
from jobadapter.model import Counts
from jobadapter.observe import AnomalyKind
from jobadapter.testing.scripted import Linear, ScriptedJobs, Step, scripted_hub
from tracker_watch import STEADY, key


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


def test_scripted_jobs_record_calls(clock: FakeClock) -> None:
    jobs = ScriptedJobs(clock)
    jobs.add("x", Linear(run_at=0, end=1, counts=False))
    assert jobs.answer("scripted.alpha", "x", "p").status is JobStatus.RUNNING
    assert jobs.times("x") == [0.0]
    assert jobs.answer("a.b", "x", "p").counts == Counts()
