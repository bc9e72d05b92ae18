"""Taking the store's open jobs into the fleet's schedule, a little at a time.

Jobs reach the store from ``hub.submit``/``hub.track`` on any host; the
fleet finds them by the store's own row numbers (``jobs.pk`` only grows).
Each turn reads two bounded slices, never every open job:

- the new rows: ``pk`` above the high mark, at most ``page`` of them. The
  mark stops at the first missing number: PostgreSQL numbers a row at insert,
  not at commit, so a row can commit after a later-numbered one was read. The
  next turn reads from the gap again; a gap still open after ``grace`` seconds
  (an insert rolled back) is passed;
- a sweep of ``span`` row numbers, turning over the whole table in a cycle:
  the safety net for a row that committed after its gap was passed, and for a
  deadline set after the job was first taken in.

Both marks live in the database and move in the same transaction as the
enrolment, under a row lock, so two workers taking in at once (the chore
normally prevents it) each see the other's marks and only repeat an
idempotent upsert.
"""

from __future__ import annotations

from typing import Any

import attrs

from jobadapter.fleet.schedule import Enrolment, FleetSchedule

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS fleet_intake (
        name TEXT PRIMARY KEY,
        mark BIGINT NOT NULL
    )
    """,
)

#: Spelled like the store's partial index ``jobs_open``.
OPEN = "status NOT IN ('succeeded', 'failed', 'cancelled')"
COLUMNS = "pk, adapter, job_id, profile, deadline_us, " + OPEN
#: The sweep's slice: only the open jobs the schedule lacks or holds with another
#: deadline come back, so a sweep over jobs already scheduled writes nothing.
SWEEP = f"""
    SELECT j.pk, j.adapter, j.job_id, j.profile, j.deadline_us, 1 FROM jobs j
    LEFT JOIN fleet_schedule s ON s.adapter = j.adapter AND s.job_id = j.job_id
    WHERE j.pk > ? AND j.pk <= ? AND j.{OPEN} AND (s.job_id IS NULL OR (
        s.ended = 0 AND j.deadline_us IS NOT NULL
        AND (s.deadline IS NULL OR s.deadline <> j.deadline_us / 1e6)))
"""  # noqa: S608


@attrs.frozen(slots=True)
class IntakeTurn:
    """What one turn read and changed (the figures a test or a log line needs)."""

    #: Rows sent back to the worker: the new ones, and swept ones needing work.
    read: int
    #: Row numbers the sweep covered (what the database looked at, at most ``span``).
    swept: int
    scheduled: int
    high_mark: int
    sweep_mark: int


class StoreIntake:
    """Moves the store's open jobs into the schedule in bounded slices."""

    def __init__(
        self, schedule: FleetSchedule, *, page: int = 5000, span: int = 500, grace: float = 10.0
    ) -> None:
        self.schedule = schedule
        self.db = schedule.db
        self.page = page
        self.span = span
        #: How long the high mark waits at a missing row number for its row to commit.
        self.grace = grace

    def __repr__(self) -> str:
        return f"<StoreIntake page={self.page} span={self.span} grace={self.grace}>"

    def create(self) -> None:
        self.db.create(SCHEMA)

    def turn(self, now: float) -> IntakeTurn:
        """One slice of new rows and one slice of the sweep, due at ``now``."""

        def work(cur: Any) -> IntakeTurn:
            marks = self._marks(cur)
            high, sweep = marks["high"], marks["sweep"]
            cur.execute(
                self.db.sql(f"SELECT {COLUMNS} FROM jobs WHERE pk > ? ORDER BY pk LIMIT ?"),  # noqa: S608
                (high, self.page),
            )
            fresh = cur.fetchall()
            waited = now - marks["gap_since_ms"] / 1000 if marks["gap_at"] == high else 0.0
            high, at_gap = _contiguous_top(
                high, [int(r[0]) for r in fresh], passing=waited >= self.grace
            )
            if at_gap and marks["gap_at"] != high:
                marks["gap_at"], marks["gap_since_ms"] = high, int(now * 1000)
            start = sweep
            top = min(sweep + self.span, high)
            cur.execute(self.db.sql(SWEEP), (sweep, top))
            swept = cur.fetchall()
            sweep = 0 if top >= high else top  # the end of the table: start the cycle again
            jobs = {
                (r[1], r[2]): Enrolment(r[1], r[2], r[3], None if r[4] is None else r[4] / 1e6)
                for r in (*fresh, *swept)
                if r[5]
            }
            scheduled = self.schedule.enrol_in(cur, jobs.values(), now)
            marks.update(high=high, sweep=sweep)
            self.db.executemany(
                cur,
                "UPDATE fleet_intake SET mark = ? WHERE name = ?",
                [(mark, name) for name, mark in marks.items()],
            )
            return IntakeTurn(len(fresh) + len(swept), top - start, scheduled, high, sweep)

        turn: IntakeTurn = self.db.run(work)
        return turn

    def _marks(self, cur: Any) -> dict[str, int]:
        """The marks, locked until the turn commits (a mark not yet written is 0;
        ``gap_at`` -1: no gap waited for)."""
        self.db.executemany(
            cur,
            "INSERT INTO fleet_intake (name, mark) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            list(_FIRST_MARKS.items()),
        )
        lock = " FOR UPDATE" if self.db.postgres else ""
        cur.execute("SELECT name, mark FROM fleet_intake" + lock)  # noqa: S608
        return {str(name): int(mark) for name, mark in cur.fetchall()}


_FIRST_MARKS = {"high": 0, "sweep": 0, "gap_at": -1, "gap_since_ms": 0}


def _contiguous_top(high: int, numbers: list[int], *, passing: bool) -> tuple[int, bool]:
    """How far the high mark may move over the row ``numbers`` read above it (in
    order): to the end of the run with no number missing, or past the gap at
    ``high`` itself when ``passing``. Also whether it stopped at a gap."""
    start = high
    for number in numbers:
        if number != high + 1 and not (passing and high == start):
            return high, True
        high = number
    return high, False
