"""A batch renews its leases together, yet never polls a job whose lease has
moved on to another worker, and renews again before a long batch outlives them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobadapter.clock import FakeClock
from jobadapter.fleet import BatchPoller, Enrolment, FleetDB, FleetSchedule
from jobadapter.store import SqliteStore
from jobadapter.testing.scripted import Linear, scripted_hub

ADAPTER = "scripted.job"
TTL = 9.0
POLL_TAKES = 4.0  # fake seconds: four polls in turn outlast one lease


def test_a_long_batch_keeps_its_leases_and_skips_a_job_taken_from_it(tmp_path: Path) -> None:
    clock = FakeClock()
    url = str(tmp_path / "fleet.sqlite3")
    store = SqliteStore(url)
    hub, jobs = scripted_hub(clock, (ADAPTER,), store=store)
    for job_id in "abcd":
        jobs.add(job_id, Linear(run_at=1000, end=2000, total=10))
    schedule = FleetSchedule(FleetDB(url))
    schedule.create()
    schedule.enrol([Enrolment(ADAPTER, j, None, None) for j in "abcd"], clock.time())
    poller = BatchPoller(hub, store, schedule, lease_ttl=TTL)
    taken_by_other: set[tuple[str, str]] = set()
    answer = jobs.answer

    def slow_answer(*args: Any) -> Any:
        clock.advance(POLL_TAKES)
        # Another worker claims whatever is claimable while this poll runs.
        taken_by_other.update(
            c.key for c in schedule.claim("w3#z", now=clock.time(), ttl=TTL, limit=10)
        )
        return answer(*args)

    jobs.answer = slow_answer  # type: ignore[method-assign]
    claims = schedule.claim("w1#x", now=clock.time(), ttl=TTL, limit=4)
    assert [c.job_id for c in claims] == ["a", "b", "c", "d"]
    # Job c moved on to another worker (as if w1's lease on it had run out).
    schedule.db.run(
        lambda cur: cur.execute(
            "UPDATE fleet_schedule SET lease = 'w2#y', lease_until = 1e12 WHERE job_id = 'c'"
        )
    )

    assert poller.poll_batch("w1#x", claims) == 3
    assert [len(jobs.times(j)) for j in "abcd"] == [1, 1, 0, 1]
    # d started 8 s after the batch, past its first lease (9 s from the claim, 12 s
    # when its poll ended): renewed on the way, it was never claimable by another.
    # (a and b, given back by then and due again, may be claimed: they are free.)
    assert (ADAPTER, "d") not in taken_by_other
    assert sorted(lag for _, lag in poller.lags) == [0.0, POLL_TAKES, 2 * POLL_TAKES]


def test_a_batch_reads_no_stored_job_before_its_polls(tmp_path: Path) -> None:
    # Renewing the batch's leases brings each job's stored status along, so a poll
    # needs no read of the store first; a job the store holds as ended is given up unpolled.
    from jobadapter.model import Job
    from jobadapter.status import JobStatus

    clock = FakeClock()
    url = str(tmp_path / "fleet.sqlite3")
    store = SqliteStore(url)
    hub, jobs = scripted_hub(clock, (ADAPTER,), store=store)
    for job_id in "ab":
        jobs.add(job_id, Linear(run_at=1000, end=2000, total=10))
    store.observe(Job(adapter=ADAPTER, id="b", status=JobStatus.SUCCEEDED))
    schedule = FleetSchedule(FleetDB(url))
    schedule.create()
    schedule.enrol([Enrolment(ADAPTER, j, None, None) for j in "ab"], clock.time())
    poller = BatchPoller(hub, store, schedule, lease_ttl=TTL)
    claims = schedule.claim("w1#x", now=clock.time(), ttl=TTL, limit=4)
    held = schedule.renew("w1#x", now=clock.time(), ttl=TTL)
    assert {key[1]: status for key, status in held.items()} == {"a": None, "b": "succeeded"}
    reads: list[str] = []
    real_get = store.get

    def counting_get(adapter: str, job_id: str) -> Any:
        reads.append(job_id)
        return real_get(adapter, job_id)

    store.get = counting_get  # type: ignore[method-assign]
    assert poller.poll_batch("w1#x", claims) == 1
    assert reads == [] and [len(jobs.times(j)) for j in "ab"] == [1, 0]
    later = schedule.claim("w2#y", now=clock.time() + 1e6, ttl=TTL, limit=4)
    assert [c.job_id for c in later] == ["a"]  # b's watch ended with the batch
