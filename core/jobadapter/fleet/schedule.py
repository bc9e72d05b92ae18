"""The fleet's schedule, in the shared database: each open job's next poll,
and the lease that lets exactly one worker poll it.

Not in the broker: a Celery ETA task per job would sit in worker memory by
the thousand and, on Redis, come back after the visibility timeout and poll
its job twice. Here a due job is claimed with a lease (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, the file lock on SQLite) that expires, so a dead
worker's jobs are claimed again once their leases run out, and a late or
repeated message for a lease that has moved on does nothing.

Renewing a batch's leases also reads each job's status from the store's
``jobs`` table beside it (the fleet always runs in the store's database), so a
poll needs no read of the store first to know the job ended meanwhile.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from jobadapter.fleet.db import RECONNECT_FOR, FleetDB, Write

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS fleet_schedule (
        adapter TEXT NOT NULL,
        job_id TEXT NOT NULL,
        profile TEXT,
        due DOUBLE PRECISION NOT NULL,
        deadline DOUBLE PRECISION,
        pace TEXT,
        lease TEXT,
        lease_until DOUBLE PRECISION,
        ended INTEGER NOT NULL DEFAULT 0,
        polls INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (adapter, job_id)
    )
    """,
    "CREATE INDEX IF NOT EXISTS fleet_schedule_due ON fleet_schedule (ended, due)",
    "CREATE INDEX IF NOT EXISTS fleet_schedule_lease ON fleet_schedule (lease) "
    "WHERE lease IS NOT NULL",
    """
    CREATE TABLE IF NOT EXISTS fleet_workers (
        name TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started DOUBLE PRECISION NOT NULL,
        seen DOUBLE PRECISION NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS fleet_chores (
        name TEXT PRIMARY KEY,
        owner TEXT,
        until DOUBLE PRECISION NOT NULL
    )
    """,
)

# Earliest due first; on PostgreSQL rows another worker is claiming are
# skipped, not waited for; SQLite's write lock serialises the claims instead.
CLAIM_POSTGRES = """
    UPDATE fleet_schedule s SET lease = ?, lease_until = ?
    FROM (
        SELECT adapter, job_id FROM fleet_schedule
        WHERE ended = 0 AND due <= ? AND (lease_until IS NULL OR lease_until < ?)
        ORDER BY due LIMIT ? FOR UPDATE SKIP LOCKED
    ) c
    WHERE s.adapter = c.adapter AND s.job_id = c.job_id
    RETURNING s.adapter, s.job_id, s.profile, s.due, s.deadline, s.pace
"""
CLAIM_SQLITE = """
    UPDATE fleet_schedule SET lease = ?, lease_until = ?
    WHERE (adapter, job_id) IN (
        SELECT adapter, job_id FROM fleet_schedule
        WHERE ended = 0 AND due <= ? AND (lease_until IS NULL OR lease_until < ?)
        ORDER BY due LIMIT ?
    )
    RETURNING adapter, job_id, profile, due, deadline, pace
"""

RENEW = """
    UPDATE fleet_schedule SET lease_until = ? WHERE lease = ? AND lease_until >= ? AND ended = 0
    RETURNING adapter, job_id, (SELECT j.status FROM jobs j
        WHERE j.adapter = fleet_schedule.adapter AND j.job_id = fleet_schedule.job_id)
"""

#: Gives a job back to the schedule (its lease ends; next due, or ended).
SETTLE = (
    "UPDATE fleet_schedule SET due = COALESCE(?, due), pace = COALESCE(?, pace), "
    "ended = ?, polls = polls + ?, lease = NULL, lease_until = NULL "
    "WHERE adapter = ? AND job_id = ? AND lease = ?"
)

#: Separates a lease's worker name from its batch id.
LEASE_SEP = "#"


@attrs.frozen(slots=True)
class Claim:
    """One job leased to a batch: what its poll needs to know."""

    adapter: str
    job_id: str
    profile: str | None
    due: float
    deadline: float | None
    pace: str | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.adapter, self.job_id)

    def as_message(self) -> list[Any]:
        """The claim as it travels to the worker that polls it; six fields, which
        every release reads (a rolling upgrade has old and new workers on one queue)."""
        return [self.adapter, self.job_id, self.profile, self.due, self.deadline, self.pace]

    @classmethod
    def from_message(cls, data: Sequence[Any]) -> Claim:
        adapter, job_id, profile, due, deadline, pace = data
        return cls(str(adapter), str(job_id), profile, float(due), deadline, pace)


@attrs.frozen(slots=True)
class Enrolment:
    """An open job the store knows, to be scheduled (now) unless it already is."""

    adapter: str
    job_id: str
    profile: str | None
    deadline: float | None


def lease_owner(lease: str) -> str:
    """The worker a lease token belongs to."""
    return lease.split(LEASE_SEP, 1)[0]


class FleetSchedule:
    """Every statement the fleet runs on its schedule tables."""

    def __init__(self, db: FleetDB) -> None:
        self.db = db

    def __repr__(self) -> str:
        return f"<FleetSchedule on {self.db!r}>"

    def create(self) -> None:
        """Create the tables (safe when several workers start at once)."""

        self.db.create(SCHEMA)

    # -- jobs in -------------------------------------------------------------------

    def enrol(self, jobs: Iterable[Enrolment], now: float) -> int:
        """Schedule the jobs not yet scheduled, due at ``now``; a scheduled one
        takes the deadline given (a later watch may set one). Returns how many
        rows were new or took a new deadline."""
        rows = list(jobs)
        if not rows:
            return 0
        changed: int = self.db.run(lambda cur: self.enrol_in(cur, rows, now))
        return changed

    def enrol_in(self, cur: Any, jobs: Iterable[Enrolment], now: float) -> int:
        """:meth:`enrol` inside the caller's transaction: one upsert per job,
        no read of the whole table (its cost follows the jobs given)."""
        rows = [(j.adapter, j.job_id, j.profile, now, j.deadline) for j in jobs]
        if not rows:
            return 0
        self.db.executemany(
            cur,
            "INSERT INTO fleet_schedule (adapter, job_id, profile, due, deadline) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (adapter, job_id) DO UPDATE SET "
            "deadline = excluded.deadline WHERE fleet_schedule.ended = 0 AND "
            "excluded.deadline IS NOT NULL AND (fleet_schedule.deadline IS NULL "
            "OR excluded.deadline <> fleet_schedule.deadline)",
            rows,
        )
        return max(0, int(cur.rowcount))

    # -- leases --------------------------------------------------------------------

    def new_lease(self, worker: str) -> str:
        return f"{worker}{LEASE_SEP}{uuid.uuid4().hex[:12]}"

    def claim(self, lease: str, *, now: float, ttl: float, limit: int) -> list[Claim]:
        """Lease up to ``limit`` due jobs (earliest first) to ``lease`` until ``now + ttl``."""
        text = CLAIM_POSTGRES if self.db.postgres else CLAIM_SQLITE

        def work(cur: Any) -> list[Claim]:
            cur.execute(self.db.sql(text), (lease, now + ttl, now, now, limit))
            return [Claim(r[0], r[1], r[2], r[3], r[4], r[5]) for r in cur.fetchall()]

        claims: list[Claim] = self.db.run(work)
        return sorted(claims, key=lambda c: c.due)

    def renew(self, lease: str, *, now: float, ttl: float) -> dict[tuple[str, str], str | None]:
        """Hold every job of the batch ``lease`` for another ``ttl``, in one
        statement; the keys still held (a job missing has expired or moved on:
        it is someone else's now, do not poll it), each with the job's status in
        the store (None: not stored)."""

        def work(cur: Any) -> dict[tuple[str, str], str | None]:
            cur.execute(self.db.sql(RENEW), (now + ttl, lease, now))
            return {(str(a), str(j)): status for a, j, status in cur.fetchall()}

        held: dict[tuple[str, str], str | None] = self.db.run(work, single=True)
        return held

    def settle(
        self,
        key: tuple[str, str],
        lease: str,
        *,
        due: float | None,
        pace: str | None,
        polled: bool = True,
        also: Write | None = None,
    ) -> bool:
        """Give the job back: next poll at ``due``, or its watch has ended (None).

        ``also``: another write to carry out with this one (the poll's permit
        slot to free): on PostgreSQL in the same statement, as a data-modifying
        ``WITH``, so one commit instead of two; on SQLite just before it."""
        text = self.db.sql(SETTLE)
        params: tuple[Any, ...] = (
            due,
            pace,
            1 if due is None else 0,
            1 if polled else 0,
            key[0],
            key[1],
            lease,
        )

        def work(cur: Any) -> bool:
            if also is not None and self.db.postgres:
                cur.execute(f"WITH also AS ({also.sql}) {text}", also.params + params)
            else:
                if also is not None:
                    cur.execute(also.sql, also.params)
                cur.execute(text, params)
            return bool(cur.rowcount == 1)

        settled: bool = self.db.run(work, single=True)
        return settled

    # -- chores and workers ----------------------------------------------------------

    def take_chore(self, name: str, owner: str, *, now: float, every: float) -> bool:
        """Whether ``owner`` does chore ``name`` now: at most once per ``every``
        seconds across the fleet, whoever asks first."""

        def work(cur: Any) -> bool:
            cur.execute(
                self.db.sql(
                    "INSERT INTO fleet_chores (name, owner, until) VALUES (?, NULL, 0) "
                    "ON CONFLICT (name) DO NOTHING"
                ),
                (name,),
            )
            cur.execute(
                self.db.sql(
                    "UPDATE fleet_chores SET owner = ?, until = ? WHERE name = ? AND until <= ?"
                ),
                (owner, now + every, name, now),
            )
            return bool(cur.rowcount == 1)

        taken: bool = self.db.run(work)
        return taken

    def heartbeat(self, name: str, host: str, pid: int, *, now: float) -> None:
        def work(cur: Any) -> None:
            cur.execute(
                self.db.sql(
                    "INSERT INTO fleet_workers (name, host, pid, started, seen) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET seen = excluded.seen"
                ),
                (name, host, pid, now, now),
            )

        self.db.run(work)

    def leave(self, name: str, *, patience: float = RECONNECT_FOR) -> None:
        """A worker stopping cleanly: gone from the list at once."""
        self.db.run(
            lambda cur: cur.execute(
                self.db.sql("DELETE FROM fleet_workers WHERE name = ?"), (name,)
            ),
            patience=patience,
        )

    def outstanding(self, worker: str, *, now: float) -> int:
        """Jobs leased by ``worker``'s batches and not yet given back."""

        def work(cur: Any) -> int:
            cur.execute(
                self.db.sql(
                    "SELECT count(*) FROM fleet_schedule WHERE lease IS NOT NULL "
                    "AND lease LIKE ? AND lease_until >= ?"
                ),
                (f"{worker}{LEASE_SEP}%", now),
            )
            return int(cur.fetchone()[0])

        count: int = self.db.run(work)
        return count

    def status(self, *, now: float, alive_within: float) -> dict[str, Any]:
        """Live workers, leases per worker, the backlog of due jobs, and how
        late the oldest leased job (waiting in a batch or being polled) is."""

        def work(cur: Any) -> dict[str, Any]:
            cur.execute(
                self.db.sql(
                    "SELECT name, host, pid, started, seen FROM fleet_workers "
                    "WHERE seen >= ? ORDER BY name"
                ),
                (now - alive_within,),
            )
            workers = [
                {"name": r[0], "host": r[1], "pid": r[2], "started": r[3], "seen": r[4]}
                for r in cur.fetchall()
            ]
            cur.execute(
                self.db.sql(
                    "SELECT lease, due FROM fleet_schedule WHERE lease IS NOT NULL "
                    "AND lease_until >= ?"
                ),
                (now,),
            )
            leases: dict[str, int] = {}
            oldest_leased = now
            for lease, leased_due in cur.fetchall():
                owner = lease_owner(lease)
                leases[owner] = leases.get(owner, 0) + 1
                oldest_leased = min(oldest_leased, float(leased_due))
            cur.execute(
                self.db.sql(
                    "SELECT count(*), min(due) FROM fleet_schedule WHERE ended = 0 AND due <= ? "
                    "AND (lease_until IS NULL OR lease_until < ?)"
                ),
                (now, now),
            )
            due, oldest = cur.fetchone()
            cur.execute("SELECT count(*) FROM fleet_schedule WHERE ended = 0")
            (open_jobs,) = cur.fetchone()
            return {
                "workers": workers,
                "leases": leases,
                "due": int(due),
                "oldest_due_lag": 0.0 if oldest is None else max(0.0, now - float(oldest)),
                # A saturated fleet's lateness is in its leased batches, not the backlog.
                "oldest_leased_lag": max(0.0, now - oldest_leased),
                "open": int(open_jobs),
            }

        report: dict[str, Any] = self.db.run(work)
        return report
