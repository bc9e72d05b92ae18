"""The fleet decides like the in-process tracker: same poll times, same
transitions and anomalies, for the same jobs (one shared deciding part)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobadapter import Event, JobStatus, NotFound
from jobadapter.clock import FakeClock
from jobadapter.fleet import BatchPoller, Enrolment, FleetDB, FleetLimits, FleetSchedule
from jobadapter.store import SqliteStore
from jobadapter.testing.scripted import Linear, Step, scripted_hub
from jobadapter.tracker import PollPolicy

POLICY = PollPolicy(jitter=0.0)
ADAPTER = "scripted.job"


def _script(jobs: Any) -> None:
    jobs.add("steady", Linear(run_at=3, end=80, total=1000))
    jobs.add("blind", Linear(run_at=10, end=45, counts=False))
    jobs.script(
        "stale",  # a replica answers an old status once: an anomaly, not a move back
        Step(0, JobStatus.RUNNING),
        Step(20, JobStatus.PENDING),
        Step(30, JobStatus.SUCCEEDED),
    )
    jobs.script(
        "gone", Step(0, JobStatus.RUNNING), Step(12, error=NotFound("gone", adapter=ADAPTER))
    )


def _by_tracker(tmp_path: Path) -> tuple[dict[str, list[float]], list[Any]]:
    clock = FakeClock()
    store = SqliteStore(tmp_path / "tracker.sqlite3")
    hub, jobs = scripted_hub(clock, (ADAPTER,), store=store)
    _script(jobs)
    events: list[Event] = []
    hub.track(
        [(ADAPTER, j) for j in ("steady", "blind", "stale", "gone")],
        workers=0,
        policy=POLICY,
        on_event=events.append,
    )
    return {j: jobs.times(j) for j in ("steady", "blind", "stale", "gone")}, _seen(store, events)


def _by_fleet(tmp_path: Path) -> tuple[dict[str, list[float]], list[Any]]:
    clock = FakeClock()
    url = str(tmp_path / "fleet.sqlite3")
    store = SqliteStore(url)
    events: list[Event] = []

    hub, jobs = scripted_hub(clock, (ADAPTER,), store=store)
    hub.emit = events.append  # type: ignore[method-assign]
    _script(jobs)
    db = FleetDB(url)
    schedule = FleetSchedule(db)
    schedule.create()
    limits = FleetLimits(db, clock)
    limits.create()
    poller = BatchPoller(hub, store, schedule, lease_ttl=30, policy=POLICY, limits=limits)
    schedule.enrol(
        [Enrolment(ADAPTER, j, None, None) for j in ("steady", "blind", "stale", "gone")],
        clock.time(),
    )
    for turn in range(1000):
        claims = schedule.claim(f"w#{turn}", now=clock.time(), ttl=30, limit=10)
        if claims:
            poller.poll_batch(f"w#{turn}", claims)
            continue
        nxt = db.run(
            lambda cur: cur.execute(
                "SELECT min(due) FROM fleet_schedule WHERE ended = 0"
            ).fetchone()[0]
        )
        if nxt is None:
            break
        clock.advance(max(0.0, nxt - clock.time()))
    db.close()
    return {j: jobs.times(j) for j in ("steady", "blind", "stale", "gone")}, _seen(store, events)


def _seen(store: SqliteStore, events: list[Event]) -> list[Any]:
    rows = []
    for job_id in ("steady", "blind", "stale", "gone"):
        rows.append([t.new_status for t in store.transitions(ADAPTER, job_id)])
        rows.append([a.anomaly.kind for a in store.anomalies(ADAPTER, job_id)])
    rows.append(sorted((e.job_id, e.kind.value) for e in events))
    return rows


def test_the_fleet_polls_when_the_tracker_would_and_sees_the_same(tmp_path: Path) -> None:
    tracker_times, tracker_seen = _by_tracker(tmp_path)
    fleet_times, fleet_seen = _by_fleet(tmp_path)

    assert fleet_times == tracker_times
    assert fleet_seen == tracker_seen
    # There was something to decide: several polls, an anomaly, a permanent error.
    assert len(tracker_times["steady"]) > 3
    assert tracker_seen[5] and ("gone", "error") in tracker_seen[-1]
