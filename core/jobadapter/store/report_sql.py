"""Report figures computed by the database: grouped aggregates, percentiles by ordered lookups.

Nothing here loops over jobs in Python: one grouped statement scans
``jobs`` (the covering index ``jobs_report`` for the default grouping, so
it neither sorts nor touches the table) and returns a row per group; the
total is the sum of the groups.

Percentiles use the nearest-rank method: in a group of ``n`` measured
durations, the p-th percentile is the value ranked ``ceil(p * n)``. When the
grouping is a prefix of ``jobs_report``'s columns (the default one, or none
for the total with ``jobs_duration``), that value is read straight off the
index: ``ORDER BY duration_us LIMIT 1 OFFSET rank - 1``, two short index
walks per group. Any other grouping uses one window pass: the value is the
smallest duration whose ``CUME_DIST()`` (the share of the group's durations
at or below it) reaches ``p``, which is the same number.

The statements are the same on SQLite and PostgreSQL (the few spellings
that differ come from the :class:`~jobadapter.store.dialect.Dialect`), and
every figure is an integer until Python divides it, so both databases give
byte-identical reports for the same jobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobadapter.report_model import (
    GROUP_KEYS,
    STATUS_NAMES,
    DurationStats,
    ReportGroup,
    ReportQuery,
    RowTotals,
)
from jobadapter.store.dialect import Dialect
from jobadapter.store.durations import bucket_counts, rank_start
from jobadapter.store.instants import to_us
from jobadapter.store.report_figures import FIGURES, LONGEST
from jobadapter.store.report_sums import kept_rows, merged_figures
from jobadapter.store.rows import OPEN_SQL

if TYPE_CHECKING:
    from jobadapter.store.conn import Conn


def where_terms(query: ReportQuery) -> tuple[list[str], list[Any]]:
    """The conditions (with their parameters) selecting the query's jobs."""
    terms: list[str] = []
    params: list[Any] = []
    if query.since is not None:
        terms.append("job_time_us >= ?")
        params.append(to_us(query.since))
    if query.until is not None:
        terms.append("job_time_us < ?")
        params.append(to_us(query.until))
    for column, values in (
        ("status", None if query.statuses is None else [s.value for s in query.statuses]),
        ("adapter", query.adapters),
        ("provider", query.providers),
        ("profile", query.profiles),
    ):
        if values is not None:
            terms.append(f"{column} IN ({', '.join('?' * len(values))})" if values else "1 = 0")
            params.extend(values)
    return terms, params


def _where(terms: list[str]) -> str:
    return f"WHERE {' AND '.join(terms)}" if terms else ""


def _keys(keys: tuple[str, ...], dialect: Dialect) -> tuple[str, str]:
    """``(select prefix, GROUP BY clause)`` for ``keys`` (both empty for the total)."""
    for key in keys:
        if key not in GROUP_KEYS:
            raise ValueError(f"cannot group by {key!r}; choose from {', '.join(GROUP_KEYS)}")
    if not keys:
        return "", ""
    listed = ", ".join(keys)
    ordered = ", ".join(f"{key}{dialect.nulls_first}" for key in keys)
    return f"{listed}, ", f"GROUP BY {listed} ORDER BY {ordered}"


def figures_sql(keys: tuple[str, ...], terms: list[str], dialect: Dialect) -> str:
    """Counts, sums and maxima per group."""
    prefix, group = _keys(keys, dialect)
    figures = ", ".join(expression for _, expression in FIGURES)
    return f"SELECT {prefix}{figures} FROM jobs {_where(terms)} {group}"  # noqa: S608 (constants; values are ? parameters)


def percentiles_sql(keys: tuple[str, ...], terms: list[str], dialect: Dialect) -> str:
    """p50 and p95 of the measured durations per group (nearest rank)."""
    prefix, group = _keys(keys, dialect)
    partition = f"PARTITION BY {', '.join(keys)} " if keys else ""
    measured = _where([*terms, "duration_us IS NOT NULL"])
    return f"""
    SELECT {prefix}
        MIN(CASE WHEN cd >= 0.5 THEN duration_us END),
        MIN(CASE WHEN cd >= 0.95 THEN duration_us END)
    FROM (
        SELECT {prefix}duration_us, CUME_DIST() OVER ({partition}ORDER BY duration_us) AS cd
        FROM jobs {measured}
    ) AS ranked {group}
    """  # noqa: S608 (built from constants; every value is a ? parameter)


#: Leading columns of the covering index ``jobs_report``: a grouping that is a
#: prefix of these gets its percentiles by walking an index instead of a window.
INDEXED_KEYS = ("provider", "adapter", "operation")
PERCENTILES = (50, 95)


def rank(percent: int, n: int) -> int:
    """Nearest rank: ``ceil(percent / 100 * n)``, in integers."""
    return (n * percent + 99) // 100


def ranked_sql(keys: tuple[str, ...], terms: list[str], dialect: Dialect) -> str:
    """The duration at a given rank (the last parameter, as an offset) within one group."""
    _keys(keys, dialect)
    same = dialect.same
    where = _where([*(f"{key} {same} ?" for key in keys), *terms, "duration_us IS NOT NULL"])
    return f"SELECT duration_us FROM jobs {where} ORDER BY duration_us LIMIT 1 OFFSET ?"  # noqa: S608


def _indexed_percentiles(
    conn: Conn,
    dialect: Dialect,
    keys: tuple[str, ...],
    terms: list[str],
    params: list[Any],
    measured: dict[tuple[Any, ...], int],
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    sql = ranked_sql(keys, terms, dialect)
    # Without filters the kept duration counts cover exactly the group's durations:
    # the walk starts at the rank's bucket (see jobadapter.store.durations).
    seek = None if terms else ranked_sql(keys, ["duration_us >= ?"], dialect)
    result: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for key, n in measured.items():  # one entry per group, never per job
        if not n:
            continue
        counts = [] if seek is None else bucket_counts(conn, key)
        values = []
        for p in PERCENTILES:
            start = rank_start(counts, rank(p, n))
            if seek is None or start is None:
                values.append(conn.execute(sql, [*key, *params, rank(p, n) - 1]).fetchone()[0])
            else:
                values.append(conn.execute(seek, [*key, *start]).fetchone()[0])
        result[key] = tuple(values)
    return result


def _window_percentiles(
    conn: Conn, dialect: Dialect, keys: tuple[str, ...], terms: list[str], params: list[Any]
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    n = len(keys)
    rows = conn.execute(percentiles_sql(keys, terms, dialect), params).fetchall()
    return {tuple(row[:n]): tuple(row[n:]) for row in rows}


def percentiles(
    conn: Conn,
    dialect: Dialect,
    keys: tuple[str, ...],
    terms: list[str],
    params: list[Any],
    measured: dict[tuple[Any, ...], int],
    *,
    use_index: bool | None = None,
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """``{group key: (p50, p95)}`` in microseconds, for groups with measured durations.

    ``measured`` maps each group to its count of measured durations;
    ``use_index`` forces one method (tests compare the two).
    """
    if use_index is None:
        use_index = keys == INDEXED_KEYS[: len(keys)]
    if use_index:
        return _indexed_percentiles(conn, dialect, keys, terms, params, measured)
    return _window_percentiles(conn, dialect, keys, terms, params)


def _seconds(value: int | None) -> float | None:
    return None if value is None else value / 1_000_000


def _group(
    keys: tuple[str, ...], row: tuple[Any, ...], percentiles: tuple[Any, ...] | None
) -> ReportGroup:
    n = len(keys)
    k = len(STATUS_NAMES)
    jobs, *figures = row[n:]
    statuses = dict(zip(STATUS_NAMES, figures[:k], strict=True))
    total, processed, succeeded, failed, rated = figures[k : k + 5]
    with_failures, succeeded_failures, measured, longest, anomalies, errors = figures[k + 5 :]
    p50, p95 = percentiles or (None, None)
    return ReportGroup(
        key=dict(zip(keys, row[:n], strict=True)),
        jobs=jobs,
        statuses=statuses,
        rows=RowTotals(
            total=total,
            processed=processed,
            succeeded=succeeded,
            failed=failed,
            processed_reporting_failures=rated,
        ),
        jobs_with_row_failures=with_failures,
        succeeded_with_row_failures=succeeded_failures,
        duration=DurationStats(
            count=measured, p50=_seconds(p50), p95=_seconds(p95), max=_seconds(longest)
        ),
        anomalies=anomalies,
        errors=errors,
    )


_MEASURED = LONGEST - 1  # position of COUNT(duration_us) after the keys


def _total(rows: list[tuple[Any, ...]], n: int) -> tuple[Any, ...]:
    """The figures of all groups together: every one is a count, a sum or a maximum."""
    if not rows:
        return (0,) * (_MEASURED + 1) + (None, 0, 0)
    columns = list(zip(*(row[n:] for row in rows), strict=True))
    longest = [v for v in columns[_MEASURED + 1] if v is not None]
    return (
        *(sum(c) for c in columns[: _MEASURED + 1]),
        max(longest) if longest else None,
        *(sum(c) for c in columns[_MEASURED + 2 :]),
    )


def _kept_and_open(conn: Conn, keys: tuple[str, ...], dialect: Dialect) -> list[tuple[Any, ...]]:
    """The figures rows of an unfiltered report: the kept sums of ended jobs plus a
    scan of the open ones, each group's maximum read off an index, in group order."""
    n = len(keys)
    live = conn.execute(figures_sql(keys, [OPEN_SQL], dialect)).fetchall()
    merged = merged_figures(kept_rows(conn, keys), live, n)
    same = dialect.same
    longest = f"SELECT MAX(duration_us) FROM jobs {_where([f'{k} {same} ?' for k in keys])}"  # noqa: S608
    rows = []
    for key in sorted(merged, key=lambda key: tuple((v is not None, v) for v in key)):
        figures = merged[key]
        figures[LONGEST] = conn.execute(longest, key).fetchone()[0]
        rows.append((*key, *figures))
    return rows


def aggregate(
    conn: Conn, query: ReportQuery, dialect: Dialect, *, use_index: bool | None = None
) -> tuple[tuple[ReportGroup, ...], ReportGroup]:
    """Groups and total; run it in one read transaction, so they agree with each other."""
    keys = tuple(query.group_by)
    n = len(keys)
    terms, params = where_terms(query)
    if use_index is not False and not terms and keys == INDEXED_KEYS[:n]:
        rows = _kept_and_open(conn, keys, dialect)
    else:
        rows = conn.execute(figures_sql(keys, terms, dialect), params).fetchall()
    measured = {tuple(row[:n]): row[n + _MEASURED] for row in rows}
    by_group = percentiles(conn, dialect, keys, terms, params, measured, use_index=use_index)
    total = _total(rows, n)
    overall = percentiles(
        conn, dialect, (), terms, params, {(): total[_MEASURED]}, use_index=use_index
    )
    groups = tuple(_group(keys, row, by_group.get(tuple(row[:n]))) for row in rows)
    return groups, _group((), total, overall.get(()))
