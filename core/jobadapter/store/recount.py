"""Counting the kept report figures again from the jobs.

``report_sums`` and ``duration_buckets`` change in the same transaction as
the job rows they count, by every writer of this release. A writer that does
not keep them (a process of the release before them, still running during a
rolling upgrade, or a hand-made fix in SQL) leaves them counting what the
jobs no longer hold, and reports read them. Recounting makes both again with
the statements the migrations fill them with, in one transaction; on
PostgreSQL the tables are locked for it, so a writer's change lands either
before the recount (and is in it) or after (and is added on top).
"""

from __future__ import annotations

import jobadapter.store.durations as durations
import jobadapter.store.report_sums as report_sums
from jobadapter.store.conn import Conn
from jobadapter.store.dialect import Dialect

#: The kept tables and the statement that fills each from the jobs.
KEPT = (
    ("duration_buckets", durations.BACKFILL),
    ("report_sums", report_sums.BACKFILL),
)


def recount(conn: Conn, dialect: Dialect) -> dict[str, int]:
    """Make every kept table again from the jobs; the rows each holds now."""
    if dialect.name == "postgresql":
        conn.execute(f"LOCK TABLE {', '.join(t for t, _ in KEPT)} IN EXCLUSIVE MODE")
    counted = {}
    for table, fill in KEPT:
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 (constants)
        conn.execute(fill)
        counted[table] = int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])  # noqa: S608
    return counted
