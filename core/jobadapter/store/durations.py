"""Duration counts per group and bucket, kept as jobs change, so a percentile is a short seek.

A nearest-rank percentile read off an index (``ORDER BY duration_us LIMIT 1
OFFSET rank - 1``) walks ``rank`` index entries: for p95 that is 95 % of the
group, more than the grouped scan that computes every other figure. The
table ``duration_buckets`` counts each group's measured durations per bucket
(16 buckets per power of two, so a bucket spans about 6 % of its values);
summing those counts finds the bucket that holds the rank, and the walk starts
at that bucket's lower edge: it passes only durations of that bucket.

The counts change only when a job's duration or group (its operation) does,
which is once, on the observation that ends it (a transition, committed at
once), in the same transaction as the job's row. A migration fills the table
for existing stores with the same bucket rule in SQL (:func:`bucket_sql`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jobadapter.store.conn import Conn

#: Buckets per power of two (the mantissa bits kept: 4).
_PER_OCTAVE = 16
_SMALL = 2 * _PER_OCTAVE  # values below this are their own bucket


def bucket(duration_us: int) -> int:
    """The bucket of a duration: increasing with it, 16 per power of two."""
    if duration_us < _SMALL:
        return duration_us
    bits = duration_us.bit_length()
    return (bits - 3) * _PER_OCTAVE + (duration_us >> (bits - 5)) - _PER_OCTAVE


def lower_edge(index: int) -> int:
    """The smallest duration in bucket ``index`` (:func:`bucket`'s inverse on edges)."""
    if index < _SMALL:
        return index
    bits = index // _PER_OCTAVE + 3
    return (index % _PER_OCTAVE + _PER_OCTAVE) << (bits - 5)


def bucket_sql(column: str = "duration_us") -> str:
    """:func:`bucket` as one SQL expression, the same on SQLite and PostgreSQL
    (integer division; one branch per power of two up to 2**63)."""
    branches = [f"WHEN {column} < {_SMALL} THEN {column}"]
    for bits in range(_SMALL.bit_length(), 64):
        shift = 1 << (bits - 5)
        offset = (bits - 3) * _PER_OCTAVE - _PER_OCTAVE
        value = f"{offset} + {column} / {shift}"
        # The last power (2**63) is beyond a 64-bit literal: everything left is in it.
        branches.append(
            f"WHEN {column} < {1 << bits} THEN {value}" if bits < 63 else f"ELSE {value}"
        )
    return f"(CASE {' '.join(branches)} END)"


#: The table and the key it counts by: a NULL operation is its own group, spelled
#: ('', 1) because a key column of a primary key cannot be NULL on PostgreSQL.
TABLE = """
    CREATE TABLE duration_buckets (
        provider {text} NOT NULL,
        adapter {text} NOT NULL,
        op {text} NOT NULL,
        op_null {int} NOT NULL,
        bucket {int} NOT NULL,
        jobs {int} NOT NULL,
        PRIMARY KEY (provider, adapter, op, op_null, bucket)
    )
    """
BACKFILL = f"""
    INSERT INTO duration_buckets (provider, adapter, op, op_null, bucket, jobs)
    SELECT provider, adapter, COALESCE(operation, ''),
        CASE WHEN operation IS NULL THEN 1 ELSE 0 END, {bucket_sql()}, COUNT(*)
    FROM jobs WHERE duration_us IS NOT NULL
    GROUP BY provider, adapter, COALESCE(operation, ''),
        CASE WHEN operation IS NULL THEN 1 ELSE 0 END, {bucket_sql()}
    """  # noqa: S608 (built from constants)

_ADD = (
    "INSERT INTO duration_buckets (provider, adapter, op, op_null, bucket, jobs) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (provider, adapter, op, op_null, bucket) "
    "DO UPDATE SET jobs = duration_buckets.jobs + excluded.jobs"
)


def count_moves(
    conn: Conn,
    provider: str,
    adapter: str,
    before: tuple[str | None, int | None],
    after: tuple[str | None, int | None],
) -> None:
    """A job's (operation, duration) went from ``before`` to ``after``: move its count."""
    if before == after:
        return
    rows = [
        (provider, adapter, op or "", int(op is None), bucket(duration), step)
        for (op, duration), step in ((before, -1), (after, 1))
        if duration is not None
    ]
    if rows:
        conn.executemany(_ADD, rows)


def add_jobs(conn: Conn, jobs: Iterable[tuple[str, str, str | None, int | None]]) -> None:
    """Count new jobs, given as ``(provider, adapter, operation, duration_us)``."""
    rows = [
        (provider, adapter, op or "", int(op is None), bucket(duration), 1)
        for provider, adapter, op, duration in jobs
        if duration is not None
    ]
    if rows:
        conn.executemany(_ADD, rows)


def bucket_counts(conn: Conn, key: tuple[Any, ...]) -> list[tuple[int, int]]:
    """``(bucket, jobs)`` in bucket order for the group ``key`` (a prefix of
    provider, adapter, operation; empty for all jobs)."""
    names = ("provider", "adapter")[: len(key)]
    terms = [f"{name} = ?" for name in names]
    params: list[Any] = list(key[:2])
    if len(key) > 2:
        terms += ["op = ?", "op_null = ?"]
        params += [key[2] or "", int(key[2] is None)]
    where = " AND ".join([*terms, "jobs <> 0"])
    rows = conn.execute(
        f"SELECT bucket, SUM(jobs) FROM duration_buckets WHERE {where} "  # noqa: S608
        "GROUP BY bucket ORDER BY bucket",
        params,
    ).fetchall()
    return [(int(index), int(jobs)) for index, jobs in rows]


def rank_start(counts: list[tuple[int, int]], rank: int) -> tuple[int, int] | None:
    """``(lower edge, offset)``: the walk to the ``rank``-th (1-based) duration starts
    at that edge and skips ``offset`` values. None when ``counts`` do not reach
    ``rank`` (then the caller walks from the start)."""
    before = 0
    for index, jobs in counts:
        if before + jobs >= rank:
            return lower_edge(index), rank - before - 1
        before += jobs
    return None
