"""A page of stored jobs, and the rows of a report's charts, chosen by the database.

A list page (the dashboard's, its JSON API) shows 50 jobs of maybe 100,000:
only those rows are read and decoded, and the totals are one aggregate over
the same conditions. The conditions are the report's (:func:`where_terms`),
so a page lists exactly the jobs the report over the same filters counts.
"""

from __future__ import annotations

from jobadapter.report_model import ReportQuery
from jobadapter.status import JobStatus
from jobadapter.store.conn import Conn
from jobadapter.store.records import ChartRow, StoredJobPage
from jobadapter.store.report_sql import where_terms
from jobadapter.store.rows import OPEN_SQL, STORED_COLUMNS, stored_job_from_row

#: Newest first (a job's report time: created, else first seen), then by key, so
#: every page is stable and pages never overlap.
ORDER = "ORDER BY job_time_us DESC, adapter DESC, job_id DESC"


def chart_rows(conn: Conn, query: ReportQuery) -> list[ChartRow]:
    """The chart row of every job ``query`` selects (the report's own conditions)."""
    terms, params = where_terms(query)
    where = f"WHERE {' AND '.join(terms)}" if terms else ""
    rows = conn.execute(
        "SELECT adapter, job_time_us, status, rows_failed, duration_us "  # noqa: S608
        f"FROM jobs {where} ORDER BY pk",
        params,
    ).fetchall()
    return [ChartRow(a, int(t), JobStatus(s), f, d) for a, t, s, f, d in rows]


def job_page(
    conn: Conn,
    query: ReportQuery,
    *,
    row_failures: bool,
    with_anomalies: bool,
    limit: int,
    offset: int,
) -> StoredJobPage:
    """The jobs ``query`` selects (and, if asked, only those with failed rows or
    anomalies), ``limit`` of them from ``offset``; run inside one snapshot."""
    if limit < 1 or offset < 0:
        raise ValueError(f"a page needs limit >= 1 and offset >= 0 (got {limit}, {offset})")
    terms, params = where_terms(query)
    if row_failures:
        terms.append("rows_failed > 0")
    if with_anomalies:
        terms.append("anomaly_count > 0")
    where = f"WHERE {' AND '.join(terms)}" if terms else ""
    total, open_jobs = conn.execute(
        f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN {OPEN_SQL} THEN 1 ELSE 0 END), 0) "  # noqa: S608
        f"FROM jobs {where}",
        params,
    ).fetchone()
    rows = conn.execute(
        f"SELECT {STORED_COLUMNS}, anomaly_count FROM jobs {where} {ORDER} LIMIT ? OFFSET ?",  # noqa: S608
        [*params, limit, offset],
    ).fetchall()
    return StoredJobPage(
        jobs=tuple(stored_job_from_row(row[:-1]) for row in rows),
        anomalies=tuple(int(row[-1]) for row in rows),
        total=int(total),
        open_jobs=int(open_jobs),
    )
