"""Each profile's ``max_in_flight`` and ``rate_per_second``, held across the
whole fleet rather than per process.

Both live in the shared database: a token bucket row per profile, and one
row per poll in flight with an expiry (so a worker killed mid-request frees
its slot when the expiry passes instead of leaking it). Taking a permit is
one short transaction that locks the profile's bucket row (``FOR UPDATE``;
SQLite: ``BEGIN IMMEDIATE``), so the checks of two workers never interleave.

The provider counts a request in flight until it has answered, whatever the
client does. So a request under a permit must end well inside the slot
(:meth:`FleetLimits.call_time`: its retries and their waits included), and a
slot whose answer the client gave up on is not given back early: the
provider may still be working on it, so it stays taken until it expires.
"""

from __future__ import annotations

import uuid
from typing import Any

import attrs

from jobadapter.clock import Clock
from jobadapter.config import Profile
from jobadapter.errors import ProviderError
from jobadapter.fleet.db import FleetDB, Write

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS fleet_buckets (
        profile TEXT PRIMARY KEY,
        tokens DOUBLE PRECISION NOT NULL,
        updated DOUBLE PRECISION NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS fleet_in_flight (
        id TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        until DOUBLE PRECISION NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS fleet_in_flight_profile ON fleet_in_flight (profile, until)",
)

FREE_SLOT = "DELETE FROM fleet_in_flight WHERE id = ?"

#: How soon to try again when every in-flight slot of a profile is taken.
FULL_WAIT = 0.05


def answered(outcome: object) -> bool:
    """Whether a call's outcome is the provider's answer (a job, or an error it
    sent), not a request given up on that the provider may still be working on."""
    return not (isinstance(outcome, ProviderError) and outcome.status is None)


@attrs.frozen(slots=True)
class Permit:
    """The answer to "may this worker poll for this profile now?"."""

    granted: bool
    id: str = ""
    wait: float = 0.0
    #: When the slot frees by itself (wall-clock epoch seconds).
    until: float = 0.0


class FleetLimits:
    """Fleet-wide rate and concurrency per profile; ``slot_ttl`` bounds how long
    a dead worker's slot stays taken, and a call under a slot may take half of it
    (see :meth:`call_time`)."""

    def __init__(
        self,
        db: FleetDB,
        clock: Clock,
        *,
        slot_ttl: float = 60.0,
        in_database: bool | None = None,
    ) -> None:
        """``in_database``: take permits with one call of a database function
        (:mod:`jobadapter.fleet.permit_sql`); the default on PostgreSQL, where the
        statement-by-statement path is kept for comparison (``False``)."""
        self.db = db
        self.clock = clock
        self.slot_ttl = slot_ttl
        if in_database and not db.postgres:
            raise ValueError("permits are taken by a database function on PostgreSQL only")
        self.in_database = db.postgres if in_database is None else in_database

    def __repr__(self) -> str:
        return f"<FleetLimits on {self.db!r}>"

    def create(self) -> None:
        if self.db.postgres:
            from jobadapter.fleet.permit_sql import FUNCTION

            self.db.create((*SCHEMA, FUNCTION))
        else:
            self.db.create(SCHEMA)

    def acquire(self, profile: Profile, lease: str) -> Permit:
        """A slot for one poll under ``profile``'s fleet-wide limits, or how long to wait."""
        rate = profile.rate_per_second
        burst = max(1.0, rate) if rate is not None else 1.0
        if self.in_database:
            return self._acquire_in_database(profile, lease, rate, burst)
        sql = self.db.sql
        lock = " FOR UPDATE" if self.db.postgres else ""

        def work(cur: Any) -> Permit:
            now = self.clock.time()
            cur.execute(
                sql(
                    "INSERT INTO fleet_buckets (profile, tokens, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT (profile) DO NOTHING"
                ),
                (profile.name, burst, now),
            )
            cur.execute(
                sql("SELECT tokens, updated FROM fleet_buckets WHERE profile = ?") + lock,
                (profile.name,),
            )
            tokens, updated = cur.fetchone()
            cur.execute(
                sql("SELECT count(*) FROM fleet_in_flight WHERE profile = ? AND until >= ?"),
                (profile.name, now),
            )
            if int(cur.fetchone()[0]) >= profile.max_in_flight:
                return Permit(False, wait=FULL_WAIT)
            if rate is not None:
                tokens = min(burst, float(tokens) + max(0.0, now - float(updated)) * rate)
                if tokens < 1.0:
                    return Permit(False, wait=(1.0 - tokens) / rate)
                tokens -= 1.0
            permit = Permit(True, id=f"{lease}/{uuid.uuid4().hex[:8]}", until=now + self.slot_ttl)
            cur.execute(
                sql("UPDATE fleet_buckets SET tokens = ?, updated = ? WHERE profile = ?"),
                (tokens, max(now, float(updated)), profile.name),
            )
            cur.execute(
                sql("DELETE FROM fleet_in_flight WHERE profile = ? AND until < ?"),
                (profile.name, now),
            )
            cur.execute(
                sql("INSERT INTO fleet_in_flight (id, profile, until) VALUES (?, ?, ?)"),
                (permit.id, profile.name, permit.until),
            )
            return permit

        permit: Permit = self.db.run(work)
        return permit

    def _acquire_in_database(
        self, profile: Profile, lease: str, rate: float | None, burst: float
    ) -> Permit:
        from jobadapter.fleet.permit_sql import CALL

        def work(cur: Any) -> Permit:
            now = self.clock.time()
            permit = Permit(True, id=f"{lease}/{uuid.uuid4().hex[:8]}", until=now + self.slot_ttl)
            cur.execute(
                CALL,
                (
                    profile.name,
                    burst,
                    rate,
                    profile.max_in_flight,
                    FULL_WAIT,
                    now,
                    permit.id,
                    permit.until,
                ),
            )
            wait = cur.fetchone()[0]
            return permit if wait is None else Permit(False, wait=float(wait))

        permit: Permit = self.db.run(work, single=True)
        return permit

    def call_time(self, permit: Permit) -> float:
        """Seconds a call under ``permit`` may take, retries and waits included: half
        of what is left of its slot, so that an answer given up on at that deadline
        has the other half to end at the provider before the slot frees."""
        return max(0.0, (permit.until - self.clock.time()) / 2)

    def freeing(self, permit: Permit, *, answered: bool = True) -> Write | None:
        """The statement that gives ``permit``'s slot back, for the caller to run
        with its next write (the job's settle: one commit, not two); None when
        there is nothing to give back (see :meth:`release`)."""
        if not permit.granted or not answered:
            return None
        return Write(self.db.sql(FREE_SLOT), (permit.id,))

    def release(self, permit: Permit, *, answered: bool = True) -> None:
        """Give the slot back; ``answered=False`` (the call ended without the
        provider's answer) leaves it taken until it expires."""
        free = self.freeing(permit, answered=answered)
        if free is not None:
            self.db.write(free)
