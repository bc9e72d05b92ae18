"""The schema as one ordered list of migrations, written once for SQLite and PostgreSQL.

Append a migration to change the schema; never edit one that has shipped.
Statements use ``{pk}``, ``{int}`` and ``{text}`` for column types (see
:class:`~jobadapter.store.dialect.Dialect`); a migration that cannot be
spelled the same on both gives its own statements for a dialect in
``variants`` (keyed by dialect name). Each backend applies the list in one
transaction that also records the version, so two processes opening a new
database at once cannot both apply it: SQLite under ``BEGIN IMMEDIATE`` and
``PRAGMA user_version``, PostgreSQL under an advisory lock and the
``jobadapter_schema`` table (:mod:`jobadapter.store.postgres_open`).

Instants are integer microseconds since the Unix epoch (UTC), columns
suffixed ``_us``: exact, sortable and cheap to subtract in SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

import attrs

import jobadapter.store.durations as durations
import jobadapter.store.report_sums as report_sums
import jobadapter.store.scrape_sql as scrape_sql
from jobadapter.store.dialect import SQLITE, Dialect
from jobadapter.store.errors import SchemaTooNew, StoreError


@attrs.frozen
class Migration:
    """One step of the schema: statements applied together, then ``version`` recorded."""

    version: int
    description: str
    statements: tuple[str, ...]
    variants: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)

    def statements_for(self, dialect: Dialect) -> tuple[str, ...]:
        """This step's statements in ``dialect``, column types filled in."""
        chosen = self.variants.get(dialect.name, self.statements)
        return tuple(dialect.ddl(statement) for statement in chosen)


_TABLES = (
    # One row per job: the kept snapshot (serialised Job) plus the columns
    # reports group, filter and aggregate on, so reports never parse JSON.
    """
    CREATE TABLE jobs (
        pk {pk},
        adapter {text} NOT NULL,
        job_id {text} NOT NULL,
        provider {text} NOT NULL,
        operation {text},
        target {text},
        profile {text},
        status {text} NOT NULL,
        native_status {text},
        rows_total {int},
        rows_processed {int},
        rows_succeeded {int},
        rows_failed {int},
        created_us {int},
        started_us {int},
        ended_us {int},
        updated_us {int},
        job_time_us {int} NOT NULL,
        first_seen_us {int} NOT NULL,
        last_seen_us {int} NOT NULL,
        terminal_seen_us {int},
        duration_us {int},
        deadline_us {int},
        anomaly_count {int} NOT NULL DEFAULT 0,
        error_count {int} NOT NULL DEFAULT 0,
        snapshot {text} NOT NULL,
        UNIQUE (adapter, job_id)
    )
    """,
    """
    CREATE TABLE transitions (
        id {pk},
        job_pk {int} NOT NULL REFERENCES jobs (pk),
        observed_us {int} NOT NULL,
        old_status {text},
        new_status {text} NOT NULL,
        native_status {text},
        rows_total {int},
        rows_processed {int},
        rows_succeeded {int},
        rows_failed {int}
    )
    """,
    "CREATE INDEX transitions_job ON transitions (job_pk, id)",
    """
    CREATE TABLE anomalies (
        id {pk},
        job_pk {int} NOT NULL REFERENCES jobs (pk),
        observed_us {int} NOT NULL,
        kind {text} NOT NULL,
        old_status {text} NOT NULL,
        new_status {text} NOT NULL,
        detail {text} NOT NULL
    )
    """,
    "CREATE INDEX anomalies_job ON anomalies (job_pk, id)",
    """
    CREATE TABLE errors (
        id {pk},
        adapter {text} NOT NULL,
        job_id {text} NOT NULL,
        at_us {int} NOT NULL,
        error {text} NOT NULL
    )
    """,
    "CREATE INDEX errors_job ON errors (adapter, job_id, id)",
    # Written before a request is sent; a 'pending' row after a crash means
    # "maybe sent": reconcile, never resubmit blindly.
    """
    CREATE TABLE submissions (
        id {pk},
        adapter {text} NOT NULL,
        profile {text},
        idempotency_key {text} NOT NULL,
        request_summary {text} NOT NULL,
        state {text} NOT NULL CHECK (state IN ('pending', 'completed', 'failed')),
        created_us {int} NOT NULL,
        completed_us {int},
        job_id {text},
        error {text},
        UNIQUE (adapter, idempotency_key)
    )
    """,
    "CREATE INDEX submissions_pending ON submissions (id) WHERE state = 'pending'",
)

_REPORT_INDEXES = (
    # Resuming a watch lists the open jobs; reports filter by time and read figures.
    """
    CREATE INDEX jobs_open ON jobs (adapter, pk)
    WHERE status NOT IN ('succeeded', 'failed', 'cancelled')
    """,
    "CREATE INDEX jobs_time ON jobs (job_time_us)",
    # Covers everything the default report reads, in its group order: the
    # report scans this index, never the table (and never sorts).
    """
    CREATE INDEX jobs_report ON jobs (
        provider, adapter, operation, duration_us, status, rows_total, rows_processed,
        rows_succeeded, rows_failed, anomaly_count, error_count
    )
    """,
    "CREATE INDEX jobs_duration ON jobs (duration_us)",
)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "jobs, transitions, anomalies, errors, submissions", _TABLES),
    Migration(2, "indexes for open jobs and reports", _REPORT_INDEXES),
    Migration(
        3,
        "duration counts per report group and bucket, for percentile seeks",
        (durations.TABLE, durations.BACKFILL),
    ),
    Migration(
        4,
        "report figures of ended jobs kept per group",
        (report_sums.TABLE, report_sums.BACKFILL),
    ),
    Migration(5, "index of open jobs' last sight, for metrics", (scrape_sql.OPEN_SEEN_INDEX,)),
)

LATEST = MIGRATIONS[-1].version


def check_target(target: int | None) -> int:
    """The version to migrate to (``None``: the latest), refused when unknown."""
    goal = LATEST if target is None else target
    if not 0 <= goal <= LATEST:
        raise StoreError(f"no schema version {goal}; this jobadapter knows 0 to {LATEST}")
    return goal


def check_current(current: int, *, where: str) -> None:
    """Refuse a database written by a newer jobadapter (``where`` says what to do instead)."""
    if current > LATEST:
        raise SchemaTooNew(
            f"the job store was written by a newer jobadapter (schema {current}, this one "
            f"knows up to {LATEST}): upgrade jobadapter, or {where}"
        )


def pending(current: int, goal: int) -> list[Migration]:
    """The migrations that take a database at ``current`` to ``goal``, in order."""
    return [m for m in MIGRATIONS if current < m.version <= goal]


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Bring a SQLite database to ``target`` (default: the latest); returns the version.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    goal = check_target(target)
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)
        check_current(current, where="point JOBADAPTER_HOME elsewhere")
        for migration in pending(current, goal):
            for statement in migration.statements_for(SQLITE):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migration.version:d}")
            current = migration.version
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current
