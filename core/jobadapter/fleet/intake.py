"""Taking the store's open jobs into the fleet's schedule, a little at a time.

Jobs reach the store from ``hub.submit``/``hub.track`` on any host; the
fleet finds them by the store's own row numbers (``jobs.pk`` only grows).
Each turn reads bounded slices, never every open job:

- the new rows: ``pk`` above the high mark (the newest row read), at most
  ``page`` of them;
- the rows between the safe mark and the high mark that the schedule lacks.
  PostgreSQL numbers a row at insert, not at commit, so a row can commit after
  a later-numbered one was read. The safe mark is the number up to which
  every row was read: it stops at a missing number, and until it moves on the
  numbers above it are looked at again each turn, so such a row is taken in
  the turn after it commits. A missing number waited for ``grace`` seconds
  (an insert rolled back) is passed, with every number drawn before the wait
  began; new rows are read meanwhile, however many numbers are missing;
- a sweep of ``span`` row numbers, turning over the whole table in a cycle:
  the safety net for a row that committed after its number was passed, and
  for a deadline set after the job was first taken in.

The marks live in the database and move in the same transaction as the
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
#: An open job the schedule lacks, or holds with another deadline.
_NEEDS_WORK = f"""j.{OPEN} AND (s.job_id IS NULL OR (
        s.ended = 0 AND j.deadline_us IS NOT NULL
        AND (s.deadline IS NULL OR s.deadline <> j.deadline_us / 1e6)))"""
_JOINED = """jobs j
    LEFT JOIN fleet_schedule s ON s.adapter = j.adapter AND s.job_id = j.job_id
    WHERE j.pk > ? AND j.pk <= ?"""
#: The sweep's slice: only the jobs needing work come back, so a sweep over jobs
#: already scheduled writes nothing.
SWEEP = f"""
    SELECT j.pk, j.adapter, j.job_id, j.profile, j.deadline_us, 1 FROM {_JOINED}
    AND {_NEEDS_WORK}
"""  # noqa: S608
#: The rows behind the newest one read: every row number present (for the safe
#: mark), each with whether it needs work.
WINDOW = f"""
    SELECT j.pk, j.adapter, j.job_id, j.profile, j.deadline_us, {_NEEDS_WORK}
    FROM {_JOINED} ORDER BY j.pk
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
    #: Every row numbered up to here was read (or its number given up, see ``grace``).
    safe_mark: int


class StoreIntake:
    """Moves the store's open jobs into the schedule in bounded slices."""

    def __init__(
        self, schedule: FleetSchedule, *, page: int = 5000, span: int = 500, grace: float = 10.0
    ) -> None:
        self.schedule = schedule
        self.db = schedule.db
        self.page = page
        self.span = span
        #: How long the safe mark waits at a missing row number for its row to commit.
        self.grace = grace

    def __repr__(self) -> str:
        return f"<StoreIntake page={self.page} span={self.span} grace={self.grace}>"

    def create(self) -> None:
        self.db.create(SCHEMA)

    def turn(self, now: float) -> IntakeTurn:
        """One slice of new rows, the rows behind the safe mark the schedule lacks,
        and one slice of the sweep, due at ``now``."""

        def work(cur: Any) -> IntakeTurn:
            marks = self._marks(cur)
            high, sweep, safe = marks["high"], marks["sweep"], marks["safe"]
            cur.execute(
                self.db.sql(f"SELECT {COLUMNS} FROM jobs WHERE pk > ? ORDER BY pk LIMIT ?"),  # noqa: S608
                (high, self.page),
            )
            fresh = cur.fetchall()
            window: list[Any] = []
            if safe < high:  # rows that may have committed behind the newest one read
                cur.execute(self.db.sql(WINDOW), (safe, high))
                window = cur.fetchall()
            late = [r for r in window if r[5]]
            numbers = [int(r[0]) for r in (*window, *fresh)]
            if fresh:
                high = int(fresh[-1][0])
            self._move_safe_mark(marks, numbers, high, now)
            start = sweep
            top = min(sweep + self.span, high)
            cur.execute(self.db.sql(SWEEP), (sweep, top))
            swept = cur.fetchall()
            sweep = 0 if top >= high else top  # the end of the table: start the cycle again
            jobs = {
                (r[1], r[2]): Enrolment(r[1], r[2], r[3], None if r[4] is None else r[4] / 1e6)
                for r in (*fresh, *late, *swept)
                if r[5]
            }
            scheduled = self.schedule.enrol_in(cur, jobs.values(), now)
            marks.update(high=high, sweep=sweep)
            self.db.executemany(
                cur,
                "UPDATE fleet_intake SET mark = ? WHERE name = ?",
                [(mark, name) for name, mark in marks.items()],
            )
            return IntakeTurn(
                len(fresh) + len(late) + len(swept),
                top - start,
                scheduled,
                high,
                sweep,
                marks["safe"],
            )

        turn: IntakeTurn = self.db.run(work)
        return turn

    def _move_safe_mark(
        self, marks: dict[str, int], numbers: list[int], high: int, now: float
    ) -> None:
        """Move the safe mark over the row ``numbers`` present above it (in order) as
        far as none is missing, or past missing ones drawn before a wait of ``grace``
        began; start a wait when a number above it is missing and none runs."""
        safe, gap_top = marks["safe"], marks["gap_top"]
        waited = now - marks["gap_since_ms"] / 1000
        passable = gap_top if gap_top > safe and waited >= self.grace else safe
        for number in numbers:
            if number != safe + 1 and number > passable:
                break
            safe = number
        safe = max(safe, min(passable, high))
        if safe < high and not gap_top > safe:
            marks["gap_top"], marks["gap_since_ms"] = high, int(now * 1000)
        marks["safe"] = safe

    def _marks(self, cur: Any) -> dict[str, int]:
        """The marks, locked until the turn commits. A new safe mark starts at the
        high mark (a store that was taken in before the safe mark existed)."""
        self.db.executemany(
            cur,
            "INSERT INTO fleet_intake (name, mark) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            [("high", 0), ("sweep", 0), ("gap_top", 0), ("gap_since_ms", 0)],
        )
        cur.execute(
            "INSERT INTO fleet_intake (name, mark) SELECT 'safe', mark FROM fleet_intake "
            "WHERE name = 'high' ON CONFLICT (name) DO NOTHING"
        )
        lock = " FOR UPDATE" if self.db.postgres else ""
        cur.execute("SELECT name, mark FROM fleet_intake" + lock)  # noqa: S608
        found = {str(name): int(mark) for name, mark in cur.fetchall()}
        return {name: found[name] for name in ("high", "sweep", "safe", "gap_top", "gap_since_ms")}
