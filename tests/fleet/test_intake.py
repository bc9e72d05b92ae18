"""Taking the store's open jobs into the schedule reads new rows and one sweep
slice per turn, never every open job; a row committed late is still found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jobadapter.fleet import FleetDB, FleetSchedule
from jobadapter.fleet.intake import StoreIntake
from jobadapter.store import open_store

SPAN = 1000


@pytest.fixture()
def intake(store_url: str) -> Iterator[StoreIntake]:
    open_store(store_url).close()  # the store's own tables, migrated
    db = FleetDB(store_url)
    schedule = FleetSchedule(db)
    schedule.create()
    taking = StoreIntake(schedule, page=5000, span=SPAN)
    taking.create()
    taking.create()  # every worker does it at start: harmless
    yield taking
    db.close()


def _add_jobs(db: FleetDB, first: int, count: int, status: str = "running") -> None:
    """``count`` stored jobs with row numbers from ``first`` (what hub.submit leaves behind)."""
    rows = [
        (first + n, "a", f"j{first + n}", "p", status, 0, 0, 0, "{}", 5_000_000)
        for n in range(count)
    ]
    db.run(
        lambda cur: db.executemany(
            cur,
            "INSERT INTO jobs (pk, adapter, job_id, profile, status, job_time_us, "
            "first_seen_us, last_seen_us, snapshot, deadline_us, provider) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'x')",
            rows,
        )
    )


def _scheduled(db: FleetDB) -> int:
    return int(db.run(lambda cur: cur.execute("SELECT count(*) FROM fleet_schedule").fetchone()[0]))


def test_jobs_added_later_are_taken_in_and_finished_ones_are_not(intake: StoreIntake) -> None:
    db = intake.db
    assert intake.turn(now=10.0).read == 0
    _add_jobs(db, 1, 3)
    _add_jobs(db, 4, 2, status="succeeded")
    first = intake.turn(now=10.0)
    assert (first.scheduled, first.high_mark) == (3, 5)
    _add_jobs(db, 6, 2)
    second = intake.turn(now=11.0)
    assert second.scheduled == 2 and _scheduled(db) == 5
    claims = intake.schedule.claim("w#1", now=11.0, ttl=5.0, limit=10)
    assert {c.job_id for c in claims} == {"j1", "j2", "j3", "j6", "j7"}
    assert {c.deadline for c in claims} == {5.0}


def test_the_sweep_brings_a_deadline_set_later_to_the_schedule(intake: StoreIntake) -> None:
    db = intake.db
    _add_jobs(db, 1, 2)
    intake.turn(now=1.0)
    db.run(lambda cur: cur.execute("UPDATE jobs SET deadline_us = 9000000 WHERE pk = 2"))
    turn = intake.turn(now=2.0)
    assert (turn.read, turn.scheduled) == (1, 1)
    claims = intake.schedule.claim("w#1", now=2.0, ttl=5.0, limit=10)
    assert {c.job_id: c.deadline for c in claims} == {"j1": 5.0, "j2": 9.0}


def test_a_turn_over_ten_thousand_open_jobs_reads_a_slice_not_all(intake: StoreIntake) -> None:
    db = intake.db
    _add_jobs(db, 1, 10_000)
    taken = [intake.turn(now=1.0) for _ in range(2)]  # the page: 5000 new rows a turn
    assert sum(t.scheduled for t in taken) == 10_000 and _scheduled(db) == 10_000

    quiet = [intake.turn(now=2.0) for _ in range(3)]
    # Nothing new: each turn's sweep covers one slice of row numbers, and of those
    # only the jobs needing work come back (none: all are scheduled already).
    assert [t.swept for t in quiet] == [SPAN] * 3
    assert [t.read for t in quiet] == [0] * 3
    assert sum(t.scheduled for t in quiet) == 0


def test_a_row_committed_after_a_later_one_was_read_is_found_by_the_sweep(
    intake: StoreIntake,
) -> None:
    db = intake.db
    _add_jobs(db, 1, 3000)
    _add_jobs(db, 3002, 1)
    intake.turn(now=1.0)
    # Row 3001 was numbered before 3002 but committed after the high mark passed it.
    _add_jobs(db, 3001, 1)
    assert intake.turn(now=2.0).scheduled == 0
    turns = [intake.turn(now=3.0) for _ in range(3002 // SPAN + 1)]
    assert sum(t.scheduled for t in turns) == 1
    assert _scheduled(db) == 3002
