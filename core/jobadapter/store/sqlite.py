"""The default store: one SQLite file in WAL mode, safe for several threads and processes.

Every write is one ``BEGIN IMMEDIATE`` transaction (the write lock is taken
before reading, so a read-modify-write such as :meth:`SqliteStore.observe`
cannot interleave with another process's); ``busy_timeout`` makes the
other writer wait instead of failing. Within a process one connection is
shared behind a lock, which also makes ``":memory:"`` work for tests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import platformdirs

from jobadapter.adapter import provider_of
from jobadapter.model import Counts, Job
from jobadapter.observe import Anomaly, AnomalyKind, Observation, observe
from jobadapter.redact import SECRET_FIELDS, redact_text
from jobadapter.reports.model import ReportGroup, ReportQuery
from jobadapter.serialize import loads
from jobadapter.status import JobStatus
from jobadapter.store import sqlite_report
from jobadapter.store.base import Store
from jobadapter.store.errors import (
    JobNotStored,
    StoreError,
    SubmissionExists,
    UnknownSubmission,
)
from jobadapter.store.instants import from_us, to_us, to_us_or_none, utcnow
from jobadapter.store.records import (
    RecordedError,
    StoredAnomaly,
    StoredJob,
    Submission,
    SubmissionState,
    Transition,
)
from jobadapter.store.scrub import scrub
from jobadapter.store.sqlite_open import MEMORY, is_busy, prepare, retry_while_busy
from jobadapter.store.sqlite_rows import (
    STORED_COLUMNS,
    SUBMISSION_COLUMNS,
    job_columns,
    status_names,
    status_or_none,
    stored_job_from_row,
    submission_from_row,
)

FILENAME = "jobadapter.sqlite3"


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$JOBADAPTER_HOME/jobadapter.sqlite3``, else the user data dir's."""
    env = os.environ if environ is None else environ
    home = env.get("JOBADAPTER_HOME")
    if home:
        return Path(home).expanduser() / FILENAME
    return Path(platformdirs.user_data_dir("jobadapter", appauthor=False)) / FILENAME


class SqliteStore(Store):
    """The job store in one SQLite file (or ``":memory:"``).

    ``timeout``: seconds a writer waits for another (``busy_timeout``);
    ``durable``: fsync every commit (``synchronous=FULL``) so even a power
    cut loses nothing; the default (``NORMAL`` in WAL) loses nothing when a
    process crashes or is killed, which is what a restart needs;
    ``now``: the clock used when a caller gives no time (tests inject one).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 30.0,
        durable: bool = False,
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.path = str(path) if str(path) == MEMORY else str(Path(path).expanduser())
        self._timeout = timeout
        self._now = now
        self._lock = threading.RLock()
        if self.path != MEMORY:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the job store {self.path}: {exc}") from exc
        self._conn: sqlite3.Connection | None = conn
        try:
            retry_while_busy(lambda: prepare(conn, self.path, timeout, durable), timeout)
        except sqlite3.OperationalError as exc:
            conn.close()
            self._conn = None
            if is_busy(exc):
                raise StoreError(
                    f"the job store {self.path} stayed locked by another process for "
                    f"{timeout:g}s: try again, or raise the timeout"
                ) from exc
            raise StoreError(f"cannot use the job store {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            self._conn = None
            raise StoreError(
                f"{self.path} is not a usable job store ({exc}): "
                "move it away or set JOBADAPTER_HOME"
            ) from exc
        except BaseException:
            conn.close()
            self._conn = None
            raise

    @classmethod
    def default(cls, *, environ: Mapping[str, str] | None = None, **options: Any) -> SqliteStore:
        """The store at :func:`default_path` (``$JOBADAPTER_HOME`` or the user data dir)."""
        return cls(default_path(environ), **options)

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    # -- plumbing --------------------------------------------------------------------

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """The connection, for this thread alone; database errors come out typed."""
        with self._lock:
            if self._conn is None:
                raise StoreError("the job store is closed; open a new SqliteStore")
            try:
                yield self._conn
            except sqlite3.OperationalError as exc:
                if is_busy(exc):
                    raise StoreError(
                        f"the job store {self.path} stayed locked by another process for "
                        f"{self._timeout:g}s: try again, or raise the timeout"
                    ) from exc
                raise StoreError(f"the job store {self.path} failed: {exc}") from exc
            except sqlite3.Error as exc:
                raise StoreError(f"the job store {self.path} failed: {exc}") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: the write lock is taken first, then everything or nothing."""
        with self._read() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _at(self, value: dt.datetime | None) -> int:
        return to_us(self._now() if value is None else value)

    def close(self) -> None:
        with self._lock:
            if self._conn is None:
                return
            # Best effort: a busy database is no reason to fail a close.
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA analysis_limit = 1000")  # keeps optimize quick
                self._conn.execute("PRAGMA optimize")
            self._conn.close()
            self._conn = None

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
        with self._write() as conn:
            existing = self._find_submission(conn, adapter, idempotency_key)
            if existing is not None:
                raise SubmissionExists(existing)
            cursor = conn.execute(
                "INSERT INTO submissions (adapter, profile, idempotency_key, request_summary, "
                "state, created_us) VALUES (?, ?, ?, ?, 'pending', ?)",
                (adapter, profile, idempotency_key, summary, self._at(None)),
            )
            return int(cursor.lastrowid or 0)

    def complete_submission(
        self, submission_id: int, job: Job, *, observed_at: dt.datetime | None = None
    ) -> Observation:
        at = self._at(observed_at)
        with self._write() as conn:
            sub = self._get_submission(conn, submission_id)
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

    def fail_submission(self, submission_id: int, error: str) -> None:
        with self._write() as conn:
            sub = self._get_submission(conn, submission_id)
            if sub.state is SubmissionState.COMPLETED:
                raise StoreError(
                    f"submission {submission_id} already started job {sub.job_id}; "
                    "it cannot be marked failed"
                )
            conn.execute(
                "UPDATE submissions SET state = 'failed', error = ?, completed_us = ? WHERE id = ?",
                (redact_text(error), self._at(None), submission_id),
            )

    def pending_submissions(self) -> list[Submission]:
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE state = 'pending' ORDER BY id"  # noqa: S608
            ).fetchall()
        return [submission_from_row(row) for row in rows]

    def submission(self, submission_id: int) -> Submission:
        with self._read() as conn:
            return self._get_submission(conn, submission_id)

    def find_submission(self, adapter: str, idempotency_key: str) -> Submission | None:
        with self._read() as conn:
            return self._find_submission(conn, adapter, idempotency_key)

    @staticmethod
    def _get_submission(conn: sqlite3.Connection, submission_id: int) -> Submission:
        row = conn.execute(
            f"SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = ?",  # noqa: S608
            (submission_id,),
        ).fetchone()
        if row is None:
            raise UnknownSubmission(f"no submission with id {submission_id} in the job store")
        return submission_from_row(row)

    @staticmethod
    def _find_submission(conn: sqlite3.Connection, adapter: str, key: str) -> Submission | None:
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
        with self._write() as conn:
            return self._observe(conn, job, profile, at)

    def _observe(
        self, conn: sqlite3.Connection, job: Job, profile: str | None, at: int
    ) -> Observation:
        row = conn.execute(
            "SELECT pk, snapshot, first_seen_us, terminal_seen_us FROM jobs "
            "WHERE adapter = ? AND job_id = ?",
            (job.adapter, job.id),
        ).fetchone()
        result = observe(None if row is None else loads(row[1]), job)
        kept = result.job
        first_seen = at if row is None else int(row[2])
        terminal_seen = None if row is None else row[3]
        if terminal_seen is None and kept.is_terminal:
            terminal_seen = at
        columns = job_columns(kept, first_seen=first_seen, terminal_seen=terminal_seen)
        if row is None:
            columns.update(
                adapter=job.adapter,
                job_id=job.id,
                provider=provider_of(job.adapter),
                profile=profile,
                first_seen_us=at,
                last_seen_us=at,
            )
            cursor = conn.execute(
                f"INSERT INTO jobs ({', '.join(columns)}) "  # noqa: S608
                f"VALUES ({', '.join('?' * len(columns))})",
                tuple(columns.values()),
            )
            pk = int(cursor.lastrowid or 0)
        else:
            pk = int(row[0])
            conn.execute(
                f"UPDATE jobs SET {', '.join(f'{name} = ?' for name in columns)}, "  # noqa: S608
                "profile = COALESCE(?, profile), last_seen_us = MAX(last_seen_us, ?), "
                "anomaly_count = anomaly_count + ? WHERE pk = ?",
                (*columns.values(), profile, at, len(result.anomalies), pk),
            )
        if result.status_changed:
            c = kept.counts
            conn.execute(
                "INSERT INTO transitions (job_pk, observed_us, old_status, new_status, "
                "native_status, rows_total, rows_processed, rows_succeeded, rows_failed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    pk,
                    at,
                    None if result.previous is None else result.previous.status.value,
                    kept.status.value,
                    kept.native_status,
                    c.total,
                    c.processed,
                    c.succeeded,
                    c.failed,
                ),
            )
        if result.anomalies:
            conn.executemany(
                "INSERT INTO anomalies (job_pk, observed_us, kind, old_status, new_status, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        pk,
                        at,
                        a.kind.value,
                        a.old_status.value,
                        a.new_status.value,
                        redact_text(a.detail),
                    )
                    for a in result.anomalies
                ],
            )
        return result

    def get(self, adapter: str, job_id: str) -> Job | None:
        stored = self.stored(adapter, job_id)
        return None if stored is None else stored.job

    def stored(self, adapter: str, job_id: str) -> StoredJob | None:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {STORED_COLUMNS} FROM jobs WHERE adapter = ? AND job_id = ?",  # noqa: S608
                (adapter, job_id),
            ).fetchone()
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
            terms.append(f"status IN ({', '.join('?' * len(wanted))})" if wanted else "0")
            params.extend(wanted)
        if open_only:
            # Spelled like the partial index jobs_open, so SQLite can use it.
            terms.append("status NOT IN ('succeeded', 'failed', 'cancelled')")
        where = f"WHERE {' AND '.join(terms)}" if terms else ""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {STORED_COLUMNS} FROM jobs {where} ORDER BY pk",  # noqa: S608
                params,
            ).fetchall()
        return [stored_job_from_row(row) for row in rows]

    def set_deadline(self, adapter: str, job_id: str, deadline: dt.datetime | None) -> None:
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET deadline_us = ? WHERE adapter = ? AND job_id = ?",
                (to_us_or_none(deadline), adapter, job_id),
            )
            if cursor.rowcount == 0:
                raise JobNotStored(
                    f"{adapter} job {job_id} is not in the job store: observe it before "
                    "setting its deadline"
                )

    def transitions(self, adapter: str, job_id: str) -> list[Transition]:
        with self._read() as conn:
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

    def anomalies(
        self, adapter: str | None = None, job_id: str | None = None
    ) -> list[StoredAnomaly]:
        terms, params = _job_filter("j", adapter, job_id)
        with self._read() as conn:
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

    def record_error(
        self, adapter: str, job_id: str, error: str, at: dt.datetime | None = None
    ) -> None:
        when = self._at(at)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO errors (adapter, job_id, at_us, error) VALUES (?, ?, ?, ?)",
                (adapter, job_id, when, redact_text(error)),
            )
            conn.execute(
                "UPDATE jobs SET error_count = error_count + 1 WHERE adapter = ? AND job_id = ?",
                (adapter, job_id),
            )

    def errors(self, adapter: str | None = None, job_id: str | None = None) -> list[RecordedError]:
        terms, params = _job_filter("errors", adapter, job_id)
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT adapter, job_id, error, at_us FROM errors {terms} ORDER BY id",  # noqa: S608
                params,
            ).fetchall()
        return [RecordedError(adapter=a, job_id=j, error=e, at=from_us(t)) for a, j, e, t in rows]

    # -- reports ---------------------------------------------------------------------

    def aggregate(self, query: ReportQuery) -> tuple[tuple[ReportGroup, ...], ReportGroup]:
        with self._read() as conn:
            return sqlite_report.aggregate(conn, query)


def _job_filter(table: str, adapter: str | None, job_id: str | None) -> tuple[str, list[Any]]:
    terms: list[str] = []
    params: list[Any] = []
    if adapter is not None:
        terms.append(f"{table}.adapter = ?")
        params.append(adapter)
    if job_id is not None:
        terms.append(f"{table}.job_id = ?")
        params.append(job_id)
    return (f"WHERE {' AND '.join(terms)}" if terms else ""), params


__all__ = ["FILENAME", "MEMORY", "SqliteStore", "default_path"]
