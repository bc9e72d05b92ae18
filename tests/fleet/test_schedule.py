"""The fleet's schedule on SQLite and PostgreSQL: exclusive claims, expiring leases, one intake at a time."""

from __future__ import annotations

import pytest
from jobadapter.fleet import Enrolment, FleetDB, FleetSchedule
from jobadapter.store import open_store


@pytest.fixture()
def schedule(store_url: str) -> FleetSchedule:
    open_store(store_url).close()  # the fleet runs beside the store: claims read its jobs
    sched = FleetSchedule(FleetDB(store_url))
    sched.create()
    sched.create()  # repeating it is harmless (every worker does it at start)
    return sched


def _enrol(schedule: FleetSchedule, n: int, now: float = 100.0) -> None:
    jobs = [Enrolment("a", f"j{i}", "p", None) for i in range(n)]
    assert schedule.enrol(jobs, now) == n
    assert schedule.enrol(jobs, now) == 0  # already scheduled: not again


def test_two_leases_never_claim_the_same_job(schedule: FleetSchedule) -> None:
    _enrol(schedule, 5)
    first = schedule.claim("w1#x", now=100.0, ttl=10.0, limit=3)
    second = schedule.claim("w2#y", now=100.0, ttl=10.0, limit=10)
    assert len(first) == 3 and len(second) == 2
    assert not {c.key for c in first} & {c.key for c in second}
    assert schedule.claim("w3#z", now=105.0, ttl=10.0, limit=10) == []


def test_an_expired_lease_moves_on_and_the_old_holder_cannot_poll(
    schedule: FleetSchedule,
) -> None:
    _enrol(schedule, 1)
    (claim,) = schedule.claim("dead#1", now=100.0, ttl=10.0, limit=1)
    assert schedule.renew("dead#1", now=105.0, ttl=10.0) == {claim.key: None}  # still held
    # The holder dies; after its lease (renewed to 115) runs out another worker takes the job.
    assert schedule.claim("live#2", now=114.0, ttl=10.0, limit=1) == []
    (again,) = schedule.claim("live#2", now=116.0, ttl=10.0, limit=1)
    assert again.key == claim.key
    # A late message for the old lease renews nothing and settles nothing.
    assert schedule.renew("dead#1", now=117.0, ttl=10.0) == {}
    assert not schedule.settle(claim.key, "dead#1", due=200.0, pace=None)
    assert schedule.settle(claim.key, "live#2", due=130.0, pace='{"interval": 2.0}')
    assert schedule.claim("x#3", now=129.0, ttl=10.0, limit=1) == []
    (later,) = schedule.claim("x#3", now=130.0, ttl=10.0, limit=1)
    assert later.pace == '{"interval": 2.0}'


def test_an_ended_watch_is_never_claimed_or_scheduled_again(schedule: FleetSchedule) -> None:
    _enrol(schedule, 1)
    (claim,) = schedule.claim("w#1", now=100.0, ttl=10.0, limit=1)
    assert schedule.settle(claim.key, "w#1", due=None, pace=None)
    assert schedule.enrol([Enrolment("a", "j0", "p", None)], 300.0) == 0
    assert schedule.claim("w#2", now=1000.0, ttl=10.0, limit=5) == []
    assert schedule.status(now=1000.0, alive_within=10.0)["open"] == 0


def test_a_chore_is_done_by_one_worker_per_period(schedule: FleetSchedule) -> None:
    assert schedule.take_chore("intake", "w1", now=10.0, every=1.0)
    assert not schedule.take_chore("intake", "w2", now=10.5, every=1.0)
    assert schedule.take_chore("intake", "w2", now=11.0, every=1.0)


def test_status_lists_live_workers_leases_and_backlog(schedule: FleetSchedule) -> None:
    _enrol(schedule, 4)
    schedule.heartbeat("w1", "host-a", 11, now=100.0)
    schedule.heartbeat("gone", "host-b", 12, now=50.0)
    schedule.claim("w1#b", now=100.0, ttl=10.0, limit=3)
    report = schedule.status(now=101.0, alive_within=10.0)
    assert [w["name"] for w in report["workers"]] == ["w1"]
    assert report["leases"] == {"w1": 3}
    assert report["due"] == 1 and report["open"] == 4
    assert report["oldest_due_lag"] == pytest.approx(1.0)
    assert report["oldest_leased_lag"] == pytest.approx(1.0)
    assert schedule.outstanding("w1", now=101.0) == 3
    # Every job given back: no leased job is waiting.
    for claim in schedule.claim("w1#c", now=101.0, ttl=10.0, limit=5):
        schedule.settle(claim.key, "w1#c", due=150.0, pace=None)
    for key in [("a", f"j{i}") for i in range(4)]:
        schedule.settle(key, "w1#b", due=150.0, pace=None)
    assert schedule.status(now=102.0, alive_within=10.0)["oldest_leased_lag"] == 0.0


def test_a_claim_travels_as_six_fields_every_release_reads() -> None:
    from jobadapter.fleet.schedule import Claim

    claim = Claim("a", "j1", "p", 10.0, None, '{"n":1}')
    assert claim.as_message() == ["a", "j1", "p", 10.0, None, '{"n":1}']
    assert Claim.from_message(claim.as_message()) == claim
