"""The report's figures over ended jobs, kept per group as jobs change, so a report scans only open jobs.

An unfiltered report used to scan every job's row in the covering index and
evaluate each figure on it; nearly all of those jobs have ended and will not
change again. ``report_sums`` keeps, per (provider, adapter, operation), every
figure of the report's grouped scan (:data:`~jobadapter.store.report_sql.FIGURES`
but the maximum) summed over the group's ended jobs. A report adds the figures
of the open jobs, scanned live (a few percent of the rows), and reads each
maximum off an index.

Only a write that changes an ended job's figures touches the table: the
observation that ends a job (a transition, committed at once), a later answer
that changes an ended job's counters or times, an anomaly or a recorded error
on an ended job; a progress poll of a running job never does. The change is
written in the same transaction as the job's row. Migration 4 fills the table
for existing stores with the scan's own SQL expressions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jobadapter.report_model import STATUS_NAMES
from jobadapter.status import TERMINAL_VALUES
from jobadapter.store.conn import Conn
from jobadapter.store.report_figures import FIGURES, LONGEST

_ENDED = tuple(sorted(TERMINAL_VALUES))
ENDED_SQL = f"status IN ({', '.join(repr(name) for name in _ENDED)})"

#: The kept figures: every one of the scan's but the maximum, in its order.
COLUMNS = tuple(name for name, _ in FIGURES if name != "longest")
_KEY = "provider, adapter, op, op_null"

TABLE = (
    "CREATE TABLE report_sums (provider {text} NOT NULL, adapter {text} NOT NULL, "
    "op {text} NOT NULL, op_null {int} NOT NULL, "
    + ", ".join(f"{name} {{int}} NOT NULL" for name in COLUMNS)
    + f", PRIMARY KEY ({_KEY}))"
)
_OP = "COALESCE(operation, ''), CASE WHEN operation IS NULL THEN 1 ELSE 0 END"
BACKFILL = (
    f"INSERT INTO report_sums ({_KEY}, {', '.join(COLUMNS)}) "  # noqa: S608 (constants)
    f"SELECT provider, adapter, {_OP}, "
    + ", ".join(expression for name, expression in FIGURES if name != "longest")
    + f" FROM jobs WHERE {ENDED_SQL} GROUP BY provider, adapter, {_OP}"
)
_ADD = (
    f"INSERT INTO report_sums ({_KEY}, {', '.join(COLUMNS)}) "  # noqa: S608 (constants)
    f"VALUES ({', '.join('?' * (4 + len(COLUMNS)))}) ON CONFLICT ({_KEY}) DO UPDATE SET "
    + ", ".join(f"{name} = report_sums.{name} + excluded.{name}" for name in COLUMNS)
)

#: The job columns :func:`contribution` reads, in its parameters' order.
INPUTS = (
    "status",
    "rows_total",
    "rows_processed",
    "rows_succeeded",
    "rows_failed",
    "duration_us",
    "anomaly_count",
    "error_count",
)


def contribution(values: Sequence[Any]) -> tuple[int, ...] | None:
    """What one job adds to each kept figure (None while it is open): the scan's
    expressions (:data:`~jobadapter.store.report_figures.FIGURES`) on one row
    whose :data:`INPUTS` columns hold ``values``."""
    status, total, processed, succeeded, failed, duration, anomalies, errors = values
    if status not in _ENDED:
        return None
    if processed is None:
        if succeeded is not None and failed is not None:
            processed = succeeded + failed
        else:
            processed = succeeded if succeeded is not None else failed
    with_failures = failed is not None and failed > 0
    return (
        1,
        *(int(status == name) for name in STATUS_NAMES),
        total or 0,
        processed or 0,
        succeeded or 0,
        failed or 0,
        (processed or 0) if failed is not None else 0,
        int(with_failures),
        int(with_failures and status == "succeeded"),
        int(duration is not None),
        anomalies,
        errors,
    )


def record_change(
    conn: Conn,
    provider: str,
    adapter: str,
    before: tuple[str | None, tuple[int, ...] | None],
    after: tuple[str | None, tuple[int, ...] | None],
) -> None:
    """A job's (operation, contribution) went from ``before`` to ``after``."""
    if before == after:
        return
    (old_op, old), (new_op, new) = before, after
    rows: list[tuple[Any, ...]] = []
    if old is not None and new is not None and old_op == new_op:
        rows.append(_row(provider, adapter, new_op, [n - o for n, o in zip(new, old, strict=True)]))
    else:
        if old is not None:
            rows.append(_row(provider, adapter, old_op, [-o for o in old]))
        if new is not None:
            rows.append(_row(provider, adapter, new_op, list(new)))
    if rows:  # an open job's first sight, or an operation learnt while open
        conn.executemany(_ADD, sorted(rows))  # one lock order for concurrent writers


def _row(provider: str, adapter: str, op: str | None, figures: Sequence[int]) -> tuple[Any, ...]:
    return (provider, adapter, op or "", int(op is None), *figures)


def kept_rows(conn: Conn, keys: tuple[str, ...]) -> dict[tuple[Any, ...], list[int]]:
    """The kept figures rolled up to ``keys`` (a prefix of provider, adapter, operation)."""
    names = [k if k != "operation" else "op, op_null" for k in keys]
    listed = ", ".join(names)
    sums = ", ".join(f"CAST(SUM({name}) AS BIGINT)" for name in COLUMNS)
    select = f"SELECT {listed + ', ' if listed else ''}{sums} FROM report_sums"  # noqa: S608
    rows = conn.execute(f"{select} GROUP BY {listed}" if listed else select).fetchall()
    found: dict[tuple[Any, ...], list[int]] = {}
    width = len(keys) + ("operation" in keys)
    for row in rows:
        if row[width] is None:  # no rows at all (the total of an empty table)
            continue
        key = list(row[: len(keys)])
        if "operation" in keys:
            key[-1] = None if row[width - 1] else row[width - 2]
        found[tuple(key)] = [int(v) for v in row[width:]]
    return found


def merged_figures(
    kept: dict[tuple[Any, ...], list[int]], live: list[tuple[Any, ...]], n: int
) -> dict[tuple[Any, ...], list[Any]]:
    """Kept figures of ended jobs plus the scanned rows of open ones (maximum left
    None for the caller to read), per group; groups with no job left out."""
    merged: dict[tuple[Any, ...], list[Any]] = {}
    for key, sums in kept.items():
        merged[key] = [*sums[:LONGEST], None, *sums[LONGEST:]]
    for row in live:
        key, figures = tuple(row[:n]), list(row[n:])
        figures[LONGEST] = None
        if key in merged:
            merged[key] = [
                None if i == LONGEST else a + b
                for i, (a, b) in enumerate(zip(merged[key], figures, strict=True))
            ]
        else:
            merged[key] = figures
    return {key: figures for key, figures in merged.items() if figures[0]}
