"""Taking the store's open jobs into the schedule reads new rows and one sweep
slice per turn, never every open job; a row committed late is found next turn,
or by the sweep once its gap was given up."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from jobadapter.fleet import FleetDB, FleetSchedule
from jobadapter.fleet.intake import StoreIntake
from jobadapter.store import open_store

SPAN = 1000


@contextlib.contextmanager
def intake_on(url: str, **options: Any) -> Iterator[StoreIntake]:
    """An intake over a migrated store at ``url`` (``options``: StoreIntake's)."""
    open_store(url).close()  # the store's own tables, migrated
    db = FleetDB(url)
    try:
        schedule = FleetSchedule(db)
        schedule.create()
        taking = StoreIntake(schedule, **{"page": 5000, "span": SPAN, **options})
        taking.create()
        taking.create()  # every worker does it at start: harmless
        yield taking
    finally:
        db.close()


@pytest.fixture()
def intake(store_url: str) -> Iterator[StoreIntake]:
    with intake_on(store_url) as taking:
        yield taking


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


def test_a_row_committed_after_a_later_one_was_read_is_taken_in_next_turn(
    intake: StoreIntake,
) -> None:
    # PostgreSQL numbers a row at insert, not at commit: row 3001 can commit after
    # 3002 was read. The safe mark waits at the gap, and the next turn reads the
    # numbers between it and the newest row again: it finds 3001.
    db = intake.db
    _add_jobs(db, 1, 3000)
    _add_jobs(db, 3002, 1)
    first = intake.turn(now=1.0)
    assert (first.scheduled, first.high_mark, first.safe_mark) == (3001, 3002, 3000)
    _add_jobs(db, 3001, 1)
    second = intake.turn(now=2.0)
    assert (second.scheduled, second.safe_mark) == (1, 3002)
    assert _scheduled(db) == 3002


def test_a_gap_that_stays_is_passed_after_the_grace_and_left_to_the_sweep(
    intake: StoreIntake,
) -> None:
    # A rolled-back insert leaves a number that never commits: the safe mark waits
    # ``grace`` seconds for it, then moves past every number read by then; rows past
    # the gap are taken in at once meanwhile.
    db = intake.db
    _add_jobs(db, 1, 10)
    _add_jobs(db, 12, 3)
    held = [intake.turn(now=t) for t in (100.0, 100.0 + intake.grace / 2)]
    assert [t.safe_mark for t in held] == [10, 10]
    assert sum(t.scheduled for t in held) == 13
    _add_jobs(db, 16, 2)  # 15 missing too: a gap seen later, waited for on its own
    passed = intake.turn(now=100.0 + intake.grace)
    assert (passed.safe_mark, passed.scheduled) == (14, 2)
    assert intake.turn(now=100.0 + intake.grace).safe_mark == 14
    assert intake.turn(now=100.0 + 2 * intake.grace).safe_mark == 17


def test_gaps_everywhere_hold_back_no_new_job(store_url: str) -> None:
    # Rows whose numbers skip (a copy into a store that had some of the jobs, many
    # rolled-back inserts) must not make the intake wait a grace per gap: every new
    # row is read and taken in at once, a page a turn.
    with intake_on(store_url, page=50) as taking:
        for n in range(200):
            _add_jobs(taking.db, 2 * n + 1, 1)
        turns = [taking.turn(now=1.0) for _ in range(4)]
        assert sum(t.scheduled for t in turns) == 200 and _scheduled(taking.db) == 200


def test_a_row_committed_after_its_gap_was_passed_is_found_by_the_sweep(
    intake: StoreIntake,
) -> None:
    db = intake.db
    _add_jobs(db, 1, 3000)
    _add_jobs(db, 3002, 1)
    intake.turn(now=1.0)
    intake.turn(now=1.0 + intake.grace)
    # Row 3001 committed after the mark stopped waiting for it.
    _add_jobs(db, 3001, 1)
    assert intake.turn(now=2.0 + intake.grace).scheduled == 0
    turns = [intake.turn(now=3.0) for _ in range(3002 // SPAN + 1)]
    assert sum(t.scheduled for t in turns) == 1
    assert _scheduled(db) == 3002


def test_on_postgresql_an_insert_still_open_is_waited_for(pg_schema_url: str) -> None:
    # The real case behind the gap: one transaction draws its row number, a later
    # one commits first, and only then does the first commit. (A thousand rows
    # before them, so the sweep is elsewhere in the table when it happens.)
    import psycopg

    with intake_on(pg_schema_url, span=100) as taking:
        columns = (
            "INSERT INTO jobs (adapter, job_id, profile, status, job_time_us, first_seen_us, "
            "last_seen_us, snapshot, provider) "
        )
        row = "'a', {}, 'p', 'running', 0, 0, 0, '{{}}', 'x'"
        with psycopg.connect(pg_schema_url) as slow, psycopg.connect(pg_schema_url) as quick:
            quick.execute(
                columns + "SELECT " + row.format("'pre' || g") + " FROM generate_series(1, 1000) g"
            )
            quick.commit()
            assert taking.turn(now=1.0).scheduled == 1000
            slow.execute(columns + f"VALUES ({row.format('%s')})", ("early",))  # numbered, open
            quick.execute(columns + f"VALUES ({row.format('%s')})", ("late",))
            quick.commit()
            assert taking.turn(now=2.0).scheduled == 1
            slow.commit()
        assert taking.turn(now=3.0).scheduled == 1
        claims = taking.schedule.claim("w#1", now=3.0, ttl=5.0, limit=2000)
        assert {"early", "late"} <= {c.job_id for c in claims}
