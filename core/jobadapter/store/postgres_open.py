"""Opening a PostgreSQL store: the schema, migrated by one process while the others wait.

Several workers starting at once against a new database all call
:func:`migrate`; the first takes a transaction-scoped advisory lock and
applies what is missing, the others block on the lock and then find
nothing left to do. DDL is transactional in PostgreSQL, so a migration and
its version number land together or not at all.
"""

from __future__ import annotations

from typing import Any

import psycopg

from jobadapter.store.dialect import POSTGRESQL
from jobadapter.store.migrations import check_current, check_target, pending

#: The advisory lock key every jobadapter migration takes (any fixed 64-bit number).
MIGRATION_LOCK = 0x6A6F_6261_6461_7074  # "jobadapt"

VERSION_TABLE = "jobadapter_schema"


def schema_version(raw: psycopg.Connection[Any]) -> int:
    """The version recorded in the database (0 when jobadapter never wrote there)."""
    exists = raw.execute("SELECT to_regclass(%s)", (VERSION_TABLE,)).fetchone()
    if exists is None or exists[0] is None:
        return 0
    row = raw.execute(f"SELECT MAX(version) FROM {VERSION_TABLE}").fetchone()  # noqa: S608
    return 0 if row is None or row[0] is None else int(row[0])


def migrate(raw: psycopg.Connection[Any], url: str, target: int | None = None) -> int:
    """Bring the database to ``target`` (default: the latest); returns the version.

    ``raw`` must be in autocommit mode; the work runs in one transaction.
    """
    goal = check_target(target)
    with raw.transaction():
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        raw.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version INTEGER NOT NULL)")
        current = schema_version(raw)
        check_current(current, where=f"point the store URL at another database than {url}")
        for migration in pending(current, goal):
            for statement in migration.statements_for(POSTGRESQL):
                raw.execute(statement)
            raw.execute(f"DELETE FROM {VERSION_TABLE}")  # noqa: S608
            raw.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES (%s)", (migration.version,))  # noqa: S608
            current = migration.version
    return current
