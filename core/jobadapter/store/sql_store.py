"""The store's logic in SQL, written once for every database that implements it.

A backend (:class:`~jobadapter.store.sqlite.SqliteStore`,
:class:`~jobadapter.store.postgres.PostgresStore`) supplies connections:
``_write()`` yields one inside a transaction that holds what a
read-modify-write needs and commits everything or nothing; ``_read()`` one
for plain reads; ``_snapshot()`` one whose reads all see the same moment.
Statements are written with ``?`` markers; a backend's connection speaks
its own dialect (:mod:`jobadapter.store.dialect`).
"""

from __future__ import annotations

import abc
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import jobadapter.store.report_sql as report_sql
from jobadapter.model import Job
from jobadapter.observe import Observation
from jobadapter.redact import SECRET_FIELDS, redact_text
from jobadapter.report_model import ReportGroup, ReportQuery
from jobadapter.status import JobStatus
from jobadapter.store.base import Store
from jobadapter.store.conn import Conn
from jobadapter.store.decoded import DecodedSnapshots
from jobadapter.store.dialect import Dialect
from jobadapter.store.errors import JobNotStored, StoreError, SubmissionExists, UnknownSubmission
from jobadapter.store.instants import to_us, to_us_or_none, utcnow
from jobadapter.store.observe_quick import StatementWriter, observe_quickly
from jobadapter.store.observe_sql import observe_row
from jobadapter.store.pages_sql import chart_rows, job_page
from jobadapter.store.reads import anomalies_of, errors_of, transitions_of
from jobadapter.store.records import (
    ChartRow,
    RecordedError,
    StoredAnomaly,
    StoredJob,
    StoredJobPage,
    Submission,
    SubmissionState,
    Transition,
)
from jobadapter.store.recount import recount
from jobadapter.store.report_sums import INPUTS, contribution, record_change
from jobadapter.store.rows import (
    OPEN_SQL,
    STORED_COLUMNS,
    SUBMISSION_COLUMNS,
    status_names,
    stored_job_from_row,
    submission_from_row,
)
from jobadapter.store.scrape_sql import ScrapeFigures, scrape_figures
from jobadapter.store.scrub import scrub

_T = TypeVar("_T")


def _records(result: Observation) -> bool:
    """Whether an observation records history (a transition or an anomaly): those
    are never left waiting for a group commit, the rest can be read again."""
    return result.status_changed or bool(result.anomalies)


class SqlStore(Store):
    """Every :class:`Store` method as SQL over a backend's connections."""

    dialect: Dialect

    def __init__(self, *, now: Callable[[], dt.datetime] = utcnow) -> None:
        self._now = now
        self._decoded = DecodedSnapshots()
        #: How the backend runs the one statement of a poll that records nothing
        #: new, instead of a read and a write in a transaction; see :mod:`observe_quick`.
        self._write_statement: StatementWriter | None = None

    @abc.abstractmethod
    def _read(self, work: Callable[[Conn], _T]) -> _T:
        """``work(conn)`` for reads; database errors come out as StoreError."""

    @abc.abstractmethod
    def _write(self, work: Callable[[Conn], _T]) -> _T:
        """``work(conn)`` as one atomic write transaction: everything or nothing.

        A backend may run ``work`` again when the database dropped the
        connection before the commit was sent (nothing was written then).
        """

    def _write_grouped(self, work: Callable[[Conn], _T], durable: Callable[[_T], bool]) -> _T:
        """``_write``, where a backend may leave the result uncommitted for a short
        while unless ``durable(result)`` (group commit, see
        :mod:`jobadapter.store.group_commit`); by default every write commits."""
        return self._write(work)

    @abc.abstractmethod
    def _snapshot(self, work: Callable[[Conn], _T]) -> _T:
        """``work(conn)`` with every read seeing one consistent state of the database."""

    def _at(self, value: dt.datetime | None) -> int:
        return to_us(self._now() if value is None else value)

    def _lock_key(self, conn: Conn, *parts: str) -> None:
        """Hold a lock on ``parts`` until the write ends, where writers can run side by side."""
        if self.dialect.key_lock:
            conn.execute(self.dialect.key_lock, ("\x1f".join(parts),))

    # -- submissions -----------------------------------------------------------------

    def record_submission(
        self,
        *,
        adapter: str,
        profile: str | None,
        idempotency_key: str,
        request_summary: Mapping[str, Any],
    ) -> int:
        if not idempotency_key:
            raise ValueError("a submission needs an idempotency key (one per logical request)")
        summary = json.dumps(
            scrub(dict(request_summary), secret_keys=SECRET_FIELDS), sort_keys=True, default=str
        )
        created = self._at(None)

        def insert(conn: Conn) -> int:
            self._lock_key(conn, "submission", adapter, idempotency_key)
            existing = self._find_submission(conn, adapter, idempotency_key)
            if existing is not None:
                raise SubmissionExists(existing)
            row = conn.execute(
                "INSERT INTO submissions (adapter, profile, idempotency_key, request_summary, "
                "state, created_us) VALUES (?, ?, ?, ?, 'pending', ?) RETURNING id",
                (adapter, profile, idempotency_key, summary, created),
            ).fetchone()
            return int(row[0])

        return self._write(insert)

    def complete_submission(
        self, submission_id: int, job: Job, *, observed_at: dt.datetime | None = None
    ) -> Observation:
        at = self._at(observed_at)

        def complete(conn: Conn) -> Observation:
            sub = self._get_submission(conn, submission_id, lock=True)
            if sub.adapter != job.adapter:
                raise StoreError(
                    f"submission {submission_id} was for {sub.adapter}, not {job.adapter}"
                )
            if sub.state is SubmissionState.COMPLETED and sub.job_id != job.id:
                raise StoreError(
                    f"submission {submission_id} already started job {sub.job_id}; "
                    f"it cannot also have started {job.id}"
                )
            conn.execute(
                "UPDATE submissions SET state = 'completed', job_id = ?, "
                "completed_us = COALESCE(completed_us, ?) WHERE id = ?",
                (job.id, at, submission_id),
            )
            return self._observe(conn, job, sub.profile, at)

        return self._write(complete)

    def fail_submission(self, submission_id: int, error: str) -> None:
        at = self._at(None)

        def fail(conn: Conn) -> None:
            sub = self._get_submission(conn, submission_id, lock=True)
            if sub.state is SubmissionState.COMPLETED:
                raise StoreError(
                    f"submission {submission_id} already started job {sub.job_id}; "
                    "it cannot be marked failed"
                )
            conn.execute(
                "UPDATE submissions SET state = 'failed', error = ?, completed_us = ? WHERE id = ?",
                (redact_text(error), at, submission_id),
            )

        self._write(fail)

    def pending_submissions(self) -> list[Submission]:
        rows = self._read(
            lambda conn: conn.execute(
                f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE state = 'pending' ORDER BY id"  # noqa: S608
            ).fetchall()
        )
        return [submission_from_row(row) for row in rows]

    def submission(self, submission_id: int) -> Submission:
        return self._read(lambda conn: self._get_submission(conn, submission_id))

    def find_submission(self, adapter: str, idempotency_key: str) -> Submission | None:
        return self._read(lambda conn: self._find_submission(conn, adapter, idempotency_key))

    def _get_submission(self, conn: Conn, submission_id: int, *, lock: bool = False) -> Submission:
        suffix = self.dialect.for_update if lock else ""
        row = conn.execute(
            f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = ?{suffix}",  # noqa: S608
            (submission_id,),
        ).fetchone()
        if row is None:
            raise UnknownSubmission(f"no submission with id {submission_id} in the job store")
        return submission_from_row(row)

    @staticmethod
    def _find_submission(conn: Conn, adapter: str, key: str) -> Submission | None:
        row = conn.execute(
            f"SELECT {SUBMISSION_COLUMNS} FROM submissions "  # noqa: S608
            "WHERE adapter = ? AND idempotency_key = ?",
            (adapter, key),
        ).fetchone()
        return None if row is None else submission_from_row(row)

    # -- observations ----------------------------------------------------------------

    def observe(
        self, job: Job, *, profile: str | None = None, observed_at: dt.datetime | None = None
    ) -> Observation:
        at = self._at(observed_at)
        if self._write_statement is not None:
            quick = observe_quickly(self._write_statement, self._decoded, job, profile, at)
            if quick is not None:
                return quick
        return self._write_grouped(lambda conn: self._observe(conn, job, profile, at), _records)

    def _observe(self, conn: Conn, job: Job, profile: str | None, at: int) -> Observation:
        return observe_row(conn, self.dialect, self._lock_key, self._decoded, job, profile, at)

    def get(self, adapter: str, job_id: str) -> Job | None:
        stored = self.stored(adapter, job_id)
        return None if stored is None else stored.job

    def stored(self, adapter: str, job_id: str) -> StoredJob | None:
        row = self._read(
            lambda conn: conn.execute(
                f"SELECT {STORED_COLUMNS} FROM jobs WHERE adapter = ? AND job_id = ?",  # noqa: S608
                (adapter, job_id),
            ).fetchone()
        )
        return None if row is None else stored_job_from_row(row)

    def jobs(
        self,
        *,
        adapter: str | None = None,
        status: JobStatus | Iterable[JobStatus] | None = None,
        open_only: bool = False,
        profile: str | None = None,
    ) -> list[StoredJob]:
        terms: list[str] = []
        params: list[Any] = []
        if adapter is not None:
            terms.append("adapter = ?")
            params.append(adapter)
        if profile is not None:
            terms.append("profile = ?")
            params.append(profile)
        wanted = status_names(status)
        if wanted is not None:
            terms.append(f"status IN ({', '.join('?' * len(wanted))})" if wanted else "1 = 0")
            params.extend(wanted)
        if open_only:
            terms.append(OPEN_SQL)
        where = f"WHERE {' AND '.join(terms)}" if terms else ""
        rows = self._read(
            lambda conn: conn.execute(
                f"SELECT {STORED_COLUMNS} FROM jobs {where} ORDER BY pk",  # noqa: S608
                params,
            ).fetchall()
        )
        return [stored_job_from_row(row) for row in rows]

    def job_page(
        self,
        query: ReportQuery,
        *,
        row_failures: bool = False,
        with_anomalies: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> StoredJobPage:
        return self._snapshot(
            lambda conn: job_page(
                conn,
                query,
                row_failures=row_failures,
                with_anomalies=with_anomalies,
                limit=limit,
                offset=offset,
            )
        )

    def chart_rows(self, query: ReportQuery) -> list[ChartRow]:
        return self._read(lambda conn: chart_rows(conn, query))

    def set_deadline(self, adapter: str, job_id: str, deadline: dt.datetime | None) -> None:
        updated = self._write(
            lambda conn: (
                conn.execute(
                    "UPDATE jobs SET deadline_us = ? WHERE adapter = ? AND job_id = ?",
                    (to_us_or_none(deadline), adapter, job_id),
                ).rowcount
            )
        )
        if updated == 0:
            raise JobNotStored(
                f"{adapter} job {job_id} is not in the job store: observe it before "
                "setting its deadline"
            )

    def transitions(self, adapter: str, job_id: str) -> list[Transition]:
        return self._read(lambda conn: transitions_of(conn, adapter, job_id))

    def anomalies(
        self, adapter: str | None = None, job_id: str | None = None
    ) -> list[StoredAnomaly]:
        return self._read(lambda conn: anomalies_of(conn, adapter, job_id))

    def record_error(
        self, adapter: str, job_id: str, error: str, at: dt.datetime | None = None
    ) -> None:
        when = self._at(at)
        text = redact_text(error)

        def insert(conn: Conn) -> None:
            conn.execute(
                "INSERT INTO errors (adapter, job_id, at_us, error) VALUES (?, ?, ?, ?)",
                (adapter, job_id, when, text),
            )
            row = conn.execute(
                f"SELECT provider, operation, {', '.join(INPUTS)} FROM jobs "  # noqa: S608
                f"WHERE adapter = ? AND job_id = ?{self.dialect.for_update}",
                (adapter, job_id),
            ).fetchone()
            if row is None:
                return  # kept, and counted when the job is stored
            conn.execute(
                "UPDATE jobs SET error_count = error_count + 1 WHERE adapter = ? AND job_id = ?",
                (adapter, job_id),
            )
            provider, operation, *values = row
            record_change(
                conn,
                provider,
                adapter,
                (operation, contribution(values)),
                (operation, contribution((*values[:-1], values[-1] + 1))),
            )

        self._write(insert)

    def errors(self, adapter: str | None = None, job_id: str | None = None) -> list[RecordedError]:
        return self._read(lambda conn: errors_of(conn, adapter, job_id))

    # -- reports ---------------------------------------------------------------------

    def scrape_figures(self, edges_us: Sequence[int]) -> ScrapeFigures:
        return self._snapshot(lambda conn: scrape_figures(conn, self.dialect, edges_us))

    def recount_kept_figures(self) -> dict[str, int]:
        """Make the report's kept figures again from the jobs (after a writer that
        did not keep them, see :mod:`jobadapter.store.recount`); the rows made per table."""
        counted: dict[str, int] = self._write(lambda conn: recount(conn, self.dialect))
        return counted

    def aggregate(self, query: ReportQuery) -> tuple[tuple[ReportGroup, ...], ReportGroup]:
        return self._snapshot(lambda conn: report_sql.aggregate(conn, query, self.dialect))
