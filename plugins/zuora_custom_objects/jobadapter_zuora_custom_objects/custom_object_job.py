"""``zuora.custom_object_job``: Zuora Custom Object bulk jobs (``/objects/jobs``).

A job is created (``POST /objects/jobs``), then, unless it is a filtered
delete, given its CSV (``POST /objects/jobs/{id}/files``), which starts it.
Zuora reports only ``recordsProcessed``; the failed rows are listed by
``/errors``, so a finished job's failed count is read from there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
from jobadapter.errors import InvalidRequest, ProviderError, ProviderResponseError
from jobadapter.model import Counts, Job, JobError
from jobadapter.parsing import optional_str, parse_count
from jobadapter.redact import get_logger
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable
from jobadapter_zuora_common import ZuoraAdapter, check_idempotency_key, new_idempotency_key
from jobadapter_zuora_common.errors import says_retry

from jobadapter_zuora_custom_objects.request import (
    ADAPTER,
    CustomObjectJobRequest,
    data_rows,
    request_from_options,
)

if TYPE_CHECKING:
    from jobadapter.connection import Connection

log = get_logger("zuora.custom_object_job")

JOBS_PATH = "/objects/jobs"
#: Every status word the spec's ``CustomObjectBulkJobResponse.status`` enum lists.
DOCUMENTED_STATUSES = ("accepted", "pending", "in_progress", "completed", "failed", "cancelled")
MAX_PAGE_SIZE = 100

STATUSES = StatusTable(
    {
        JobStatus.PENDING: ("accepted", "pending"),
        JobStatus.RUNNING: ("in_progress",),
        JobStatus.SUCCEEDED: ("completed",),
        JobStatus.FAILED: ("failed",),
        JobStatus.CANCELLED: ("cancelled",),
    },
    owner=ADAPTER,
)


class CustomObjectJobAdapter(ZuoraAdapter):
    """Zuora Custom Object bulk jobs: create/update/delete records from a CSV or a filter."""

    name: ClassVar[str] = ADAPTER
    statuses: ClassVar[StatusTable] = STATUSES
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"submit", "get", "cancel", "results", "list"}
    )
    #: Zuora replays the first answer for a repeated Idempotency-Key, so a
    #: submission whose answer was lost can be resent under its key.
    idempotent_submit: ClassVar[bool] = True
    #: "pending": created, waiting for the CSV file a crash kept from being uploaded.
    half_made_statuses: ClassVar[frozenset[str]] = frozenset({"pending"})
    description: ClassVar[str] = "Zuora Custom Object bulk jobs (/objects/jobs)"
    poll_interval: ClassVar[tuple[float, float]] = (2.0, 60.0)
    #: Read ``/errors`` once a job finishes, to fill in its failed and succeeded counts.
    count_row_errors: ClassVar[bool] = True

    # -- the pure half ---------------------------------------------------------

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        body = self.require_mapping(payload)
        word = body.get("status")
        status = self.status_of(word)
        processed = self.count(body, "recordsProcessed")
        parse_count(body.get("processingTime"), name="processingTime")  # checked, kept in raw
        updated = self.timestamp(body, "UpdatedDate")
        return Job(
            adapter=self.name,
            id=self.job_id_from(body.get("Id"), job_id, "Id"),
            status=status,
            native_status=word,
            operation=optional_str(body.get("operation"), name="operation"),
            target=optional_str(body.get("object"), name="object"),
            counts=_counts(status, processed),
            created_at=self.timestamp(body, "CreatedDate"),
            # Zuora gives no start time; the last update of a finished job is its end.
            ended_at=updated if status.is_terminal else None,
            updated_at=updated,
            submitted_by=optional_str(body.get("CreatedById"), name="CreatedById"),
            errors=_job_errors(body.get("error")),
            raw=payload,
        )

    def row_from(self, item: Any) -> dict[str, Any]:
        """One ``/errors`` entry as a result row: ``{row, code, message, record}``."""
        entry = self.require_mapping(item, "error entry")
        record = entry.get("record")
        if record is not None and not isinstance(record, Mapping):
            raise self.malformed(f"error entry record is a {type(record).__name__}")
        row = entry.get("row")
        try:
            return {
                "row": parse_count(row, name="row"),
                "code": optional_str(entry.get("code"), name="code"),
                "message": optional_str(entry.get("message"), name="message") or "",
                "record": dict(record or {}),
            }
        except ValueError as exc:
            raise self.malformed(str(exc)) from None

    # -- the I/O half ------------------------------------------------------------

    def request_from_options(self, options: Mapping[str, Any]) -> CustomObjectJobRequest:
        return request_from_options(options)

    def submit(self, conn: Connection, request: Any) -> Job:
        """Create the job, then upload its CSV; the Job is the upload's answer,
        with the CSV's record count as its ``total`` (Zuora never reports one;
        the tracker keeps it and predicts the job's end from it)."""
        req = _as_request(request)
        data = req.read_file() if req.needs_upload else None  # refuse bad files before creating
        key = check_idempotency_key(req.idempotency_key)
        created = self._call(conn, "POST", JOBS_PATH, json=req.create_body(), idempotency_key=key)
        job = self.parse(created)
        if data is None or job.is_terminal:
            # A job that failed at once (71012560: over the five-job limit) takes no
            # file: it is returned as the provider reports it, retryable error and all.
            return job
        # Derived from the submission's key, so a resubmission after a lost answer
        # replays this upload instead of being refused as a second file.
        upload_key = f"{key[:240]}-upload"
        try:
            uploaded = self._upload(conn, job.id, data, upload_key)
        except ProviderError as exc:
            if not (exc.retryable or isinstance(exc, ProviderResponseError)):
                self._discard_pending(conn, job.id, exc)  # refused: the file was not taken
                raise
            started = self._settle_upload(conn, job.id, data, upload_key, exc)
        else:
            started = self.parse(uploaded, job_id=job.id)
        return started.with_total(data_rows(data))

    def _upload(self, conn: Connection, job_id: str, data: bytes, key: str) -> Any:
        return self._call(
            conn,
            "POST",
            f"{self._job_path(job_id)}/files",
            body=data,
            headers={"Content-Type": "text/csv"},  # exactly, as the spec demands
            idempotency_key=key,
        )

    def _settle_upload(
        self, conn: Connection, job_id: str, data: bytes, key: str, cause: ProviderError
    ) -> Job:
        """The upload's answer was lost or failed for a passing reason: the file may
        have arrived. Look before acting; cancel only a job that surely has no file."""
        try:
            current = self.parse(self._call(conn, "GET", self._job_path(job_id)), job_id=job_id)
        except ProviderError:
            cause.message = (
                f"{cause.message} (custom object job {job_id} may or may not hold its file; "
                "check its status before submitting again)"
            )
            raise cause from None
        if current.status is not JobStatus.PENDING:
            return current  # the file arrived: the job runs
        try:
            return self.parse(self._upload(conn, job_id, data, key), job_id=job_id)
        except ProviderError as again:
            self._discard_pending(conn, job_id, again)
            raise again from None

    def get(self, conn: Connection, job_id: str) -> Job:
        job = self.parse(self._call(conn, "GET", self._job_path(job_id)), job_id=job_id)
        if self.count_row_errors and job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            job = self._with_row_counts(conn, job)
        return job

    def cancel(self, conn: Connection, job_id: str) -> Job:
        """``PATCH .../cancel``: Zuora cancels only accepted or pending jobs, so look first."""
        current = self.parse(self._call(conn, "GET", self._job_path(job_id)), job_id=job_id)
        if current.status is not JobStatus.PENDING:
            raise InvalidRequest(
                f"custom object job {job_id} is {current.native_status!r}: Zuora cancels a job "
                "only while it is 'accepted' or 'pending' (before its file is processed); "
                "nothing was sent",
                adapter=self.name,
            )
        answer = self._call(
            conn,
            "PATCH",
            f"{self._job_path(job_id)}/cancel",
            idempotency_key=new_idempotency_key(),
        )
        return self.parse(answer, job_id=job_id)

    def results(self, conn: Connection, job_id: str) -> Iterator[dict[str, Any]]:
        """The rows Zuora could not process (it lists no successful rows)."""
        for item in self._error_entries(conn, job_id):
            yield self.row_from(item)

    def list_jobs(self, conn: Connection, **filters: Any) -> Iterator[Job]:
        """Every job, in Zuora's page order; filters: ``status``, ``page_size`` (1-100)."""
        page_size = _page_size(filters.pop("page_size", filters.pop("pageSize", MAX_PAGE_SIZE)))
        words = self._status_words(filters.pop("status", None))
        if filters:
            raise InvalidRequest(
                f"{self.name} lists by status and page_size only, not {', '.join(sorted(filters))}",
                adapter=self.name,
            )
        for word in words:
            yield from self._pages(conn, page_size, word)

    # -- helpers -------------------------------------------------------------------

    def _call(self, conn: Connection, method: str, path: str, **kwargs: Any) -> Any:
        return conn.request(method, path, adapter=self.name, **kwargs).json()

    def _job_path(self, job_id: str) -> str:
        return f"{JOBS_PATH}/{self.segment(job_id)}"

    def _error_entries(self, conn: Connection, job_id: str) -> list[Any]:
        body = self.require_mapping(self._call(conn, "GET", f"{self._job_path(job_id)}/errors"))
        entries = body.get("errors")
        if entries is None:
            return []
        if not isinstance(entries, list):
            raise self.malformed(f"errors is a {type(entries).__name__}, expected a list")
        return entries

    def _with_row_counts(self, conn: Connection, job: Job) -> Job:
        failed = sum(
            1
            for item in self._error_entries(conn, job.id)
            if self.row_from(item)["row"] is not None
        )
        known = job.counts  # a new Counts: attrs.evolve, the generic path, costs twice as much
        if known.processed is None:
            counts = Counts(known.total, None, known.succeeded, failed)
        else:
            processed = max(known.processed, failed)
            # Only the error rows say which rows failed. In a job that failed as a whole
            # (71012560: a limit reached) the rows they do not list did not succeed
            # for all the spec says: "processed" is not "succeeded", so it is unknown.
            accounted = job.status is not JobStatus.FAILED or failed == processed
            succeeded = processed - failed if accounted else None
            counts = Counts(known.total, processed, succeeded, failed)
        return attrs.evolve(job, counts=counts)

    def _discard_pending(self, conn: Connection, job_id: str, cause: ProviderError) -> None:
        """After a failed upload, cancel the job so it stops holding one of the five slots."""
        try:
            self._call(
                conn,
                "PATCH",
                f"{self._job_path(job_id)}/cancel",
                idempotency_key=new_idempotency_key(),
            )
        except ProviderError as exc:
            log.warning("cancelling custom object job %s after its upload failed: %s", job_id, exc)
            outcome = "cancelling it failed too: check its status before submitting again"
        else:
            outcome = "it was cancelled"
        cause.message = f"{cause.message} (upload to custom object job {job_id} failed; {outcome})"

    def _status_words(self, status: Any) -> tuple[str | None, ...]:
        if status is None:
            return (None,)
        if isinstance(status, JobStatus):
            words = tuple(w for w, s in self.statuses.items() if s is status)
            if not words:
                raise InvalidRequest(
                    f"{self.name} jobs are never {status.value}", adapter=self.name
                )
            return words
        if isinstance(status, str) and status.strip().lower() in DOCUMENTED_STATUSES:
            return (status.strip().lower(),)
        raise InvalidRequest(
            f"status {status!r} is not one of {', '.join(DOCUMENTED_STATUSES)} (or a JobStatus)",
            adapter=self.name,
        )

    def _pages(self, conn: Connection, page_size: int, status: str | None) -> Iterator[Job]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            query = {"pageSize": page_size, "cursor": cursor, "status": status}
            page = self.require_mapping(self._call(conn, "GET", JOBS_PATH, query=query), "job list")
            jobs = page.get("jobs")
            if not isinstance(jobs, list):
                raise self.malformed(f"jobs is a {type(jobs).__name__}, expected a list")
            for item in jobs:
                yield self.parse(item)
            nxt = page.get("cursor")
            if not jobs or len(jobs) < page_size or not isinstance(nxt, str) or not nxt:
                return
            if nxt in seen:
                raise self.malformed(
                    f"the job list cursor {nxt!r} repeats; stopping to avoid a loop"
                )
            seen.add(nxt)
            cursor = nxt


def _counts(status: JobStatus, processed: int | None) -> Counts:
    if status is JobStatus.SUCCEEDED and processed is not None:
        return Counts(total=processed, processed=processed)
    return Counts(processed=processed)


def _job_errors(value: Any) -> tuple[JobError, ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise ValueError(f"error is a {type(value).__name__}, expected an object")
    code = optional_str(value.get("code"), name="error.code")
    message = optional_str(value.get("message"), name="error.message")
    if code is None and not message:
        return ()
    return (
        JobError(
            code=code,
            message=message or f"Zuora error {code}",
            retryable=says_retry(code, message),
        ),
    )


def _as_request(request: Any) -> CustomObjectJobRequest:
    if isinstance(request, CustomObjectJobRequest):
        return request
    if isinstance(request, Mapping):
        return request_from_options(request)
    raise InvalidRequest(
        f"{ADAPTER} submits a CustomObjectJobRequest or a mapping of its fields, "
        f"not a {type(request).__name__}",
        adapter=ADAPTER,
    )


def _page_size(value: Any) -> int:
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidRequest(
            f"page_size must be 1-{MAX_PAGE_SIZE} (Zuora's limit), got {value!r}", adapter=ADAPTER
        )
    return size
