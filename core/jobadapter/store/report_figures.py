"""The figures of a report group as SQL expressions over ``jobs``, named, written once.

The grouped scan (:mod:`jobadapter.store.report_sql`) selects them; the kept
sums over ended jobs (:mod:`jobadapter.store.report_sums`) are filled and
rolled up with the same ones, so both give the same numbers.
"""

from __future__ import annotations

from jobadapter.report_model import STATUS_NAMES

#: Rows processed: as reported, else succeeded + failed (or whichever is known).
PROCESSED_SQL = (
    "COALESCE(rows_processed, rows_succeeded + rows_failed, rows_succeeded, rows_failed)"
)


def _count(condition: str) -> str:
    """How many rows meet ``condition`` (an integer on every database)."""
    return f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"


def _sum(expression: str) -> str:
    """The integer sum of ``expression`` (PostgreSQL would make a BIGINT sum NUMERIC)."""
    return f"CAST(COALESCE(SUM({expression}), 0) AS BIGINT)"


#: Every figure the grouped scan computes, named, in the order of a figures row.
#: Each is a count, an integer sum or (``longest``) a maximum.
FIGURES: tuple[tuple[str, str], ...] = (
    ("jobs", "COUNT(*)"),
    *((f"status_{name}", _count(f"status = '{name}'")) for name in STATUS_NAMES),
    ("rows_total", _sum("rows_total")),
    ("rows_processed", _sum(PROCESSED_SQL)),
    ("rows_succeeded", _sum("rows_succeeded")),
    ("rows_failed", _sum("rows_failed")),
    ("rows_rated", _sum(f"CASE WHEN rows_failed IS NOT NULL THEN {PROCESSED_SQL} END")),
    ("with_failures", _count("rows_failed > 0")),
    ("succeeded_failures", _count("status = 'succeeded' AND rows_failed > 0")),
    ("measured", "COUNT(duration_us)"),
    ("longest", "MAX(duration_us)"),
    ("anomalies", _sum("anomaly_count")),
    ("errors", _sum("error_count")),
)
LONGEST = [name for name, _ in FIGURES].index("longest")
