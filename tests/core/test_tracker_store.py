"""Tracker with the SQLite store: observations, deadlines, errors, resume after a crash."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from jobadapter import ConfigError, Event, EventKind, Job, JobStatus, Profile
from jobadapter.clock import FakeClock, SystemClock
from jobadapter.store import SqliteStore
from jobadapter.testing.scripted import Linear, Step, scripted_hub


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "jobs.sqlite3") as opened:
        yield opened


def utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)


def test_a_watch_killed_midway_resumes_from_the_store_with_its_deadlines(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "jobs.sqlite3"
    profiles = [
        Profile(name="east", provider="scripted"),
        Profile(name="west", provider="scripted"),
    ]
    hub, jobs = scripted_hub(
        clock, ("scripted.alpha", "scripted.beta"), profiles, store=SqliteStore(path)
    )
    ends = {"a": 40.0, "b": 90.0, "c": 150.0, "d": 260.0, "late": 2000.0}
    items = []
    for n, (job_id, end) in enumerate(ends.items()):
        jobs.add(job_id, Linear(run_at=5, end=end, total=500))
        items.append((("scripted.alpha", "scripted.beta")[n % 2], job_id, profiles[n % 2].name))
    deadline_at = utc(clock.time() + 600)
    seen: list[Event] = []

    def crash_midway(event: Event) -> None:
        seen.append(event)
        if clock.time() - jobs.start > 60:
            raise KeyboardInterrupt  # the process dies here

    with pytest.raises(KeyboardInterrupt):
        hub.track(items, deadline=600, workers=0, on_event=crash_midway)

    first = SqliteStore(path)
    open_jobs = {s.job.id: s for s in first.jobs(open_only=True)}
    assert set(open_jobs) == {"b", "c", "d", "late"}
    assert all(s.deadline == deadline_at for s in open_jobs.values())
    assert {s.job.id: s.profile for s in open_jobs.values()} == {
        "b": "west",
        "c": "east",
        "d": "west",
        "late": "east",
    }
    assert first.get("scripted.alpha", "a") is not None
    first.close()

    # A new process: new hub, new store object on the same file, same deadlines.
    hub2, _ = scripted_hub(
        clock, ("scripted.alpha", "scripted.beta"), profiles, store=SqliteStore(path), jobs=jobs
    )
    resumed: list[Event] = []
    result = hub2.track(resume=True, workers=0, on_event=resumed.append)

    assert {k[1]: j.status for k, j in result.finished.items()} == {
        "b": JobStatus.SUCCEEDED,
        "c": JobStatus.SUCCEEDED,
        "d": JobStatus.SUCCEEDED,
    }
    late = result.deadlines[("scripted.alpha", "late")]
    assert late.deadline == deadline_at
    assert late.job is not None and late.job.status is JobStatus.RUNNING
    # Seeded from the store: an already-running job's first event is progress, not a new status.
    first_late = next(e for e in resumed if e.job_id == "late")
    assert first_late.kind is EventKind.PROGRESS
    after = SqliteStore(path)
    for job_id in ("a", "b", "c", "d"):
        adapter = "scripted.beta" if job_id in ("b", "d") else "scripted.alpha"
        statuses = [t.new_status for t in after.transitions(adapter, job_id)]
        assert statuses == [JobStatus.PENDING, JobStatus.RUNNING, JobStatus.SUCCEEDED], job_id
    assert [s.job.id for s in after.jobs(open_only=True)] == ["late"]
    after.close()
    hub2.store.close()  # type: ignore[union-attr]
    hub.store.close()  # type: ignore[union-attr]


def test_an_explicit_deadline_replaces_the_stored_ones_on_resume(store: SqliteStore) -> None:
    clock = FakeClock()
    hub, jobs = scripted_hub(clock, store=store)
    jobs.add("j", Linear(run_at=0, end=1000))
    store.observe(jobs.answer("scripted.alpha", "j", "scripted"), profile="scripted")
    store.set_deadline("scripted.alpha", "j", utc(clock.time() + 5))
    result = hub.track(resume=True, deadline=50, workers=0)
    assert result.deadlines[("scripted.alpha", "j")].deadline == utc(jobs.start + 50)
    assert store.jobs(open_only=True)[0].deadline == utc(jobs.start + 50)


def test_resume_skips_jobs_already_watched(store: SqliteStore) -> None:
    clock = FakeClock()
    hub, jobs = scripted_hub(clock, store=store)
    jobs.add("j", Linear(run_at=0, end=10))
    # Seen at the tracker's (fake) time: seen at the real time, years later, every poll
    # of the tracker would be older news until its clock caught up (minutes of test).
    store.observe(
        jobs.answer("scripted.alpha", "j", "scripted"),
        profile="scripted",
        observed_at=clock.utcnow(),
    )
    tracker = hub.tracker(workers=0)
    assert tracker.extend([("scripted.alpha", "j")]) == [("scripted.alpha", "j")]
    assert tracker.resume() == []
    assert tracker.run().finished[("scripted.alpha", "j")].status is JobStatus.SUCCEEDED


def test_deadline_of_a_job_new_to_the_store_is_kept_after_its_first_sight(
    store: SqliteStore,
) -> None:
    clock = FakeClock()
    hub, jobs = scripted_hub(clock, store=store)
    jobs.add("j", Linear(run_at=0, end=1000))
    hub.track([("scripted.alpha", "j")], deadline=30, workers=0)
    (stored,) = store.jobs(open_only=True)
    assert stored.deadline == utc(jobs.start + 30)
    assert stored.profile == "scripted"


def test_a_submitted_job_is_stored_before_its_first_poll(store: SqliteStore) -> None:
    clock = FakeClock()
    hub, jobs = scripted_hub(clock, store=store)
    jobs.add("j", Linear(run_at=3, end=8))
    submitted = jobs.answer("scripted.alpha", "j", "scripted")
    tracker = hub.tracker(workers=0)
    tracker.add_job(submitted, deadline=100)
    assert store.get("scripted.alpha", "j") == submitted
    assert store.jobs()[0].deadline == utc(jobs.start + 100)
    assert tracker.run().finished[("scripted.alpha", "j")].status is JobStatus.SUCCEEDED


def test_anomalies_and_errors_are_kept_in_the_store(store: SqliteStore) -> None:
    clock = FakeClock()
    hub, jobs = scripted_hub(clock, store=store)
    jobs.script(
        "j",
        Step(0, JobStatus.RUNNING, processed=5, total=10),
        Step(2, JobStatus.PENDING),
        Step(4, JobStatus.SUCCEEDED, processed=10, total=10),
    )
    result = hub.track([("scripted.alpha", "j"), ("scripted.alpha", "gone")], workers=0)
    assert result.finished[("scripted.alpha", "j")].status is JobStatus.SUCCEEDED
    assert [a.anomaly.new_status for a in store.anomalies("scripted.alpha", "j")] == [
        JobStatus.PENDING
    ]
    (error,) = store.errors("scripted.alpha", "gone")
    assert error.error.startswith("NotFound:")
    assert store.get("scripted.alpha", "gone") is None  # never seen, never invented


def test_resume_reports_jobs_whose_adapter_is_gone(store: SqliteStore) -> None:
    hub, _ = scripted_hub(FakeClock(), store=store)
    store.observe(Job(adapter="removed.kind", id="x", status=JobStatus.RUNNING))
    result = hub.track(resume=True, workers=0)
    assert list(result.errors) == [("removed.kind", "x")]
    assert result.jobs[("removed.kind", "x")].status is JobStatus.RUNNING


def test_resume_needs_a_store() -> None:
    hub, _ = scripted_hub(FakeClock())
    with pytest.raises(ConfigError, match="store"):
        hub.track(resume=True)


def test_an_abandoned_request_never_writes_the_store(store: SqliteStore) -> None:
    profile = Profile(name="scripted", provider="scripted", poll_min=0.01, poll_max=0.02)
    hub, jobs = scripted_hub(SystemClock(), profiles=[profile], store=store)
    hung, release, answered = threading.Event(), threading.Event(), threading.Event()

    class HangsThenFinishes:
        calls = 0

        def answer(self, adapter: str, job_id: str, t: float) -> Job:
            self.calls += 1
            if self.calls == 1:
                return Job(adapter=adapter, id=job_id, status=JobStatus.RUNNING)
            hung.set()
            release.wait(10)
            answered.set()
            return Job(adapter=adapter, id=job_id, status=JobStatus.SUCCEEDED)

    jobs.add("j", HangsThenFinishes())
    tracker = hub.tracker(workers=2)
    tracker.add("scripted.alpha", "j")
    threading.Thread(target=lambda: (hung.wait(5), tracker.stop())).start()
    result = tracker.run()
    release.set()
    assert answered.wait(5)
    for thread in threading.enumerate():
        if thread.name.startswith("jobadapter-tracker"):
            thread.join(5)
    assert result.stopped
    kept = store.get("scripted.alpha", "j")
    assert kept is not None and kept.status is JobStatus.RUNNING
    assert [t.new_status for t in store.transitions("scripted.alpha", "j")] == [JobStatus.RUNNING]
