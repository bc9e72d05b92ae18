"""The SQLite schema as an ordered list of migrations, tracked by ``PRAGMA user_version``.

Append a migration to change the schema; never edit one that has shipped.
Each runs in the same ``BEGIN IMMEDIATE`` transaction as the version bump,
so two processes opening a new file at once cannot both apply it.

Instants are INTEGER microseconds since the Unix epoch (UTC), columns
suffixed ``_us``: exact, sortable and cheap to subtract in SQL.
"""

from __future__ import annotations

import sqlite3

import attrs

from jobadapter.store.errors import SchemaTooNew, StoreError


@attrs.frozen
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


_TABLES = (
    # One row per job: the kept snapshot (serialised Job) plus the columns
    # reports group, filter and aggregate on, so reports never parse JSON.
    """
    CREATE TABLE jobs (
        pk INTEGER PRIMARY KEY,
        adapter TEXT NOT NULL,
        job_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        operation TEXT,
        target TEXT,
        profile TEXT,
        status TEXT NOT NULL,
        native_status TEXT,
        rows_total INTEGER,
        rows_processed INTEGER,
        rows_succeeded INTEGER,
        rows_failed INTEGER,
        created_us INTEGER,
        started_us INTEGER,
        ended_us INTEGER,
        updated_us INTEGER,
        job_time_us INTEGER NOT NULL,
        first_seen_us INTEGER NOT NULL,
        last_seen_us INTEGER NOT NULL,
        terminal_seen_us INTEGER,
        duration_us INTEGER,
        deadline_us INTEGER,
        anomaly_count INTEGER NOT NULL DEFAULT 0,
        error_count INTEGER NOT NULL DEFAULT 0,
        snapshot TEXT NOT NULL,
        UNIQUE (adapter, job_id)
    )
    """,
    """
    CREATE TABLE transitions (
        id INTEGER PRIMARY KEY,
        job_pk INTEGER NOT NULL REFERENCES jobs (pk),
        observed_us INTEGER NOT NULL,
        old_status TEXT,
        new_status TEXT NOT NULL,
        native_status TEXT,
        rows_total INTEGER,
        rows_processed INTEGER,
        rows_succeeded INTEGER,
        rows_failed INTEGER
    )
    """,
    "CREATE INDEX transitions_job ON transitions (job_pk, id)",
    """
    CREATE TABLE anomalies (
        id INTEGER PRIMARY KEY,
        job_pk INTEGER NOT NULL REFERENCES jobs (pk),
        observed_us INTEGER NOT NULL,
        kind TEXT NOT NULL,
        old_status TEXT NOT NULL,
        new_status TEXT NOT NULL,
        detail TEXT NOT NULL
    )
    """,
    "CREATE INDEX anomalies_job ON anomalies (job_pk, id)",
    """
    CREATE TABLE errors (
        id INTEGER PRIMARY KEY,
        adapter TEXT NOT NULL,
        job_id TEXT NOT NULL,
        at_us INTEGER NOT NULL,
        error TEXT NOT NULL
    )
    """,
    "CREATE INDEX errors_job ON errors (adapter, job_id, id)",
    # Written before a request is sent; a 'pending' row after a crash means
    # "maybe sent": reconcile, never resubmit blindly.
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        adapter TEXT NOT NULL,
        profile TEXT,
        idempotency_key TEXT NOT NULL,
        request_summary TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'completed', 'failed')),
        created_us INTEGER NOT NULL,
        completed_us INTEGER,
        job_id TEXT,
        error TEXT,
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
)

LATEST = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, target: int | None = None) -> int:
    """Bring the database to ``target`` (default: the latest); returns the version.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    goal = LATEST if target is None else target
    if not 0 <= goal <= LATEST:
        raise StoreError(f"no schema version {goal}; this jobadapter knows 0 to {LATEST}")
    conn.execute("BEGIN IMMEDIATE")
    try:
        current = schema_version(conn)
        if current > LATEST:
            raise SchemaTooNew(
                f"the job store was written by a newer jobadapter (schema {current}, this one "
                f"knows up to {LATEST}): upgrade jobadapter, or point JOBADAPTER_HOME elsewhere"
            )
        for migration in MIGRATIONS:
            if current < migration.version <= goal:
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {migration.version:d}")
                current = migration.version
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current
