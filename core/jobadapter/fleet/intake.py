"""Taking the store's open jobs into the fleet's schedule, a little at a time.

Jobs reach the store from ``hub.submit``/``hub.track`` on any host; the
fleet finds them by the store's own row numbers (``jobs.pk`` only grows).
Each turn reads two bounded slices, never every open job:

- the new rows: ``pk`` above the high mark, at most ``page`` of them;
- a sweep of ``span`` row numbers, turning over the whole table in a cycle:
  the safety net for a row whose number was drawn before a later one but
  committed after it was read (PostgreSQL hands out row numbers at insert,
  not at commit), and for a deadline set after the job was first taken in.

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

    def __init__(self, schedule: FleetSchedule, *, page: int = 5000, span: int = 500) -> None:
        self.schedule = schedule
        self.db = schedule.db
        self.page = page
        self.span = span

    def __repr__(self) -> str:
        return f"<StoreIntake page={self.page} span={self.span}>"

    def create(self) -> None:
        self.db.create(SCHEMA)

    def turn(self, now: float) -> IntakeTurn:
        """One slice of new rows and one slice of the sweep, due at ``now``."""

        def work(cur: Any) -> IntakeTurn:
            high, sweep = self._marks(cur)
            cur.execute(
                self.db.sql(f"SELECT {COLUMNS} FROM jobs WHERE pk > ? ORDER BY pk LIMIT ?"),  # noqa: S608
                (high, self.page),
            )
            fresh = cur.fetchall()
            if fresh:
                high = int(fresh[-1][0])
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
            cur.execute(
                self.db.sql("UPDATE fleet_intake SET mark = ? WHERE name = ?"), (high, "high")
            )
            cur.execute(
                self.db.sql("UPDATE fleet_intake SET mark = ? WHERE name = ?"), (sweep, "sweep")
            )
            return IntakeTurn(len(fresh) + len(swept), top - start, scheduled, high, sweep)

        turn: IntakeTurn = self.db.run(work)
        return turn

    def _marks(self, cur: Any) -> tuple[int, int]:
        self.db.executemany(
            cur,
            "INSERT INTO fleet_intake (name, mark) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
            [("high",), ("sweep",)],
        )
        lock = " FOR UPDATE" if self.db.postgres else ""
        cur.execute("SELECT name, mark FROM fleet_intake" + lock)  # noqa: S608
        marks = {str(name): int(mark) for name, mark in cur.fetchall()}
        return marks["high"], marks["sweep"]
