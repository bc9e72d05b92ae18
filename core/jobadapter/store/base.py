"""The store interface: what the tracker, the CLI and reports need from a database.

SQLite implements it by default (:class:`jobadapter.store.SqliteStore`),
PostgreSQL for fleets (:class:`jobadapter.store.postgres.PostgresStore`); both
share their SQL (:class:`jobadapter.store.sql_store.SqlStore`) and one
contract test suite. Every write is one atomic transaction, so two processes
writing at once neither corrupt nor lose rows.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from jobadapter.model import Job
from jobadapter.observe import Observation
from jobadapter.report_model import ReportGroup, ReportQuery
from jobadapter.status import JobStatus
from jobadapter.store.records import (
    ChartRow,
    RecordedError,
    StoredAnomaly,
    StoredJob,
    StoredJobPage,
    Submission,
    Transition,
)
from jobadapter.store.scrape_sql import ScrapeFigures

_S = TypeVar("_S", bound="Store")


class Store(abc.ABC):
    """Every job seen, every transition, anomaly, error and submission."""

    # -- submissions: written before the request is sent ------------------------

    @abc.abstractmethod
    def record_submission(
        self,
        *,
        adapter: str,
        profile: str | None,
        idempotency_key: str,
        request_summary: Mapping[str, Any],
    ) -> int:
        """Record a submission about to be sent; returns its id.

        Call it BEFORE sending, so a crash in between leaves a pending
        submission to reconcile rather than a job nobody knows about.
        Raises :class:`~jobadapter.store.errors.SubmissionExists` when the
        key is already recorded for this adapter.
        """

    @abc.abstractmethod
    def complete_submission(
        self, submission_id: int, job: Job, *, observed_at: dt.datetime | None = None
    ) -> Observation:
        """Link the submission to the job it started and store that job, atomically."""

    @abc.abstractmethod
    def fail_submission(self, submission_id: int, error: str) -> None:
        """The provider refused the submission: nothing was started."""

    @abc.abstractmethod
    def pending_submissions(self) -> list[Submission]:
        """Submissions sent (or about to be) with no recorded answer, oldest first."""

    @abc.abstractmethod
    def submission(self, submission_id: int) -> Submission:
        """One submission by id."""

    @abc.abstractmethod
    def find_submission(self, adapter: str, idempotency_key: str) -> Submission | None:
        """The submission recorded under this key, if any."""

    # -- observations ----------------------------------------------------------------

    @abc.abstractmethod
    def observe(
        self, job: Job, *, profile: str | None = None, observed_at: dt.datetime | None = None
    ) -> Observation:
        """Apply :func:`jobadapter.observe.observe` against the stored snapshot, atomically.

        Keeps the resulting job, appends a transition when the status changed
        (or the job is new) and an anomaly row per anomaly. ``profile`` None
        keeps the profile already stored.
        """

    @abc.abstractmethod
    def get(self, adapter: str, job_id: str) -> Job | None:
        """The kept snapshot of one job."""

    @abc.abstractmethod
    def stored(self, adapter: str, job_id: str) -> StoredJob | None:
        """The kept snapshot of one job with its profile, sightings and deadline."""

    @abc.abstractmethod
    def jobs(
        self,
        *,
        adapter: str | None = None,
        status: JobStatus | Iterable[JobStatus] | None = None,
        open_only: bool = False,
        profile: str | None = None,
    ) -> list[StoredJob]:
        """Stored jobs, oldest first; ``open_only`` keeps the non-terminal ones."""

    @abc.abstractmethod
    def job_page(
        self,
        query: ReportQuery,
        *,
        row_failures: bool = False,
        with_anomalies: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> StoredJobPage:
        """One page of the jobs the report ``query`` selects, newest first, counted
        and cut in the database (only the page's snapshots are decoded);
        ``row_failures``/``with_anomalies`` keep only jobs with failed rows/anomalies."""

    @abc.abstractmethod
    def chart_rows(self, query: ReportQuery) -> list[ChartRow]:
        """What the charts need of each job the report ``query`` selects, from the
        columns (no snapshot decoded), oldest stored first."""

    @abc.abstractmethod
    def set_deadline(self, adapter: str, job_id: str, deadline: dt.datetime | None) -> None:
        """Store the absolute instant a watch of this job ends (None clears it)."""

    @abc.abstractmethod
    def transitions(self, adapter: str, job_id: str) -> list[Transition]:
        """The job's status changes, in the order observed."""

    @abc.abstractmethod
    def anomalies(
        self, adapter: str | None = None, job_id: str | None = None
    ) -> list[StoredAnomaly]:
        """Anomalies, oldest first, optionally for one adapter or one job."""

    @abc.abstractmethod
    def record_error(
        self, adapter: str, job_id: str, error: str, at: dt.datetime | None = None
    ) -> None:
        """Keep a failure to observe a job (counted in reports when the job is stored)."""

    @abc.abstractmethod
    def errors(self, adapter: str | None = None, job_id: str | None = None) -> list[RecordedError]:
        """Recorded errors, oldest first."""

    # -- reports ---------------------------------------------------------------------

    @abc.abstractmethod
    def aggregate(self, query: ReportQuery) -> tuple[tuple[ReportGroup, ...], ReportGroup]:
        """The report figures per group and in total, computed by the database.

        Use :func:`jobadapter.reports.build_report` rather than calling this.
        """

    @abc.abstractmethod
    def scrape_figures(self, edges_us: Sequence[int]) -> ScrapeFigures:
        """Open jobs, durations per edge and schedule lag, without reading snapshots
        (see :mod:`jobadapter.store.scrape_sql`)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the database; the store cannot be used afterwards."""

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
