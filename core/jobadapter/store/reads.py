"""Reading a job's history back: transitions, anomalies and recorded errors, as values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobadapter.model import Counts
from jobadapter.observe import Anomaly, AnomalyKind
from jobadapter.status import JobStatus
from jobadapter.store.instants import from_us
from jobadapter.store.records import RecordedError, StoredAnomaly, Transition
from jobadapter.store.rows import status_or_none

if TYPE_CHECKING:
    from jobadapter.store.conn import Conn


def transitions_of(conn: Conn, adapter: str, job_id: str) -> list[Transition]:
    """One job's status changes, in the order observed."""
    rows = conn.execute(
        "SELECT t.old_status, t.new_status, t.native_status, t.observed_us, t.rows_total, "
        "t.rows_processed, t.rows_succeeded, t.rows_failed FROM transitions t "
        "JOIN jobs j ON j.pk = t.job_pk WHERE j.adapter = ? AND j.job_id = ? ORDER BY t.id",
        (adapter, job_id),
    ).fetchall()
    return [
        Transition(
            adapter=adapter,
            job_id=job_id,
            old_status=status_or_none(old),
            new_status=JobStatus(new),
            native_status=native,
            observed_at=from_us(at),
            counts=Counts(total=total, processed=processed, succeeded=ok, failed=failed),
        )
        for old, new, native, at, total, processed, ok, failed in rows
    ]


def anomalies_of(conn: Conn, adapter: str | None, job_id: str | None) -> list[StoredAnomaly]:
    """Anomalies, oldest first, optionally of one adapter or one job."""
    terms, params = job_filter("j", adapter, job_id)
    rows = conn.execute(
        "SELECT j.adapter, j.job_id, a.kind, a.old_status, a.new_status, a.detail, "  # noqa: S608
        f"a.observed_us FROM anomalies a JOIN jobs j ON j.pk = a.job_pk {terms} "
        "ORDER BY a.id",
        params,
    ).fetchall()
    return [
        StoredAnomaly(
            anomaly=Anomaly(
                kind=AnomalyKind(kind),
                adapter=adapter_name,
                job_id=jid,
                old_status=JobStatus(old),
                new_status=JobStatus(new),
                detail=detail,
            ),
            observed_at=from_us(at),
        )
        for adapter_name, jid, kind, old, new, detail, at in rows
    ]


def errors_of(conn: Conn, adapter: str | None, job_id: str | None) -> list[RecordedError]:
    """Recorded errors, oldest first, optionally of one adapter or one job."""
    terms, params = job_filter("errors", adapter, job_id)
    rows = conn.execute(
        f"SELECT adapter, job_id, error, at_us FROM errors {terms} ORDER BY id",  # noqa: S608
        params,
    ).fetchall()
    return [RecordedError(adapter=a, job_id=j, error=e, at=from_us(t)) for a, j, e, t in rows]


def job_filter(table: str, adapter: str | None, job_id: str | None) -> tuple[str, list[Any]]:
    """``WHERE`` clause and parameters selecting one adapter's or one job's rows."""
    terms: list[str] = []
    params: list[Any] = []
    if adapter is not None:
        terms.append(f"{table}.adapter = ?")
        params.append(adapter)
    if job_id is not None:
        terms.append(f"{table}.job_id = ?")
        params.append(job_id)
    return (f"WHERE {' AND '.join(terms)}" if terms else ""), params
