"""When a watch ends: its jobs terminal, a deadline, a stop, Ctrl-C, or nothing to watch."""

from __future__ import annotations

import datetime as dt

import pytest
from jobadapter import Event, EventKind, JobStatus, WatchDeadline
from jobadapter.clock import FakeClock
from jobadapter.testing.scripted import Linear, scripted_hub
from tracker_watch import STEADY, key


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
