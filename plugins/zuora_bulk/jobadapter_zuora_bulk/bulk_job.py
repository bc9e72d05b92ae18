"""``zuora.bulk_job``: Zuora Bulk Data jobs (``/bulk-data/bulk-jobs``).

Submitting is three calls: create the job (Zuora answers a presigned upload
target), POST the file to that target (an S3 host, not Zuora: it gets the
form fields Zuora gave and never a Zuora credential), then ``submissions``.
Summaries carry timestamps as epoch seconds (reference sample) or ISO-8601
(tutorial); both are read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar

from jobadapter.errors import InvalidRequest, ProviderError, error_class_for_status
from jobadapter.model import Counts, Job, JobError
from jobadapter.parsing import optional_str
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable, normalise_word
from jobadapter_zuora_common.adapter import ZuoraAdapter, check_idempotency_key
from jobadapter_zuora_common.errors import is_failure_flag

from jobadapter_zuora_bulk.files import LoadedFile, load_file
from jobadapter_zuora_bulk.requests import BulkJobRequest
from jobadapter_zuora_bulk.rows import stream_download
from jobadapter_zuora_bulk.upload import UploadTarget, upload_target

if TYPE_CHECKING:
    from jobadapter.connection import Connection

BASE = "/bulk-data/bulk-jobs"

#: Every status word the Bulk Data API documents.
DOCUMENTED_STATUSES = (
    "Created",
    "Submitted",
    "In Progress",
    "Downloading",
    "Aborting",
    "Completed",
    "Failed",
    "Aborted",
    "Cancelled",
)

#: Keys of a create answer that hold the presigned upload form: short-lived
#: credentials, so they are never kept in a Job's ``raw``.
_UPLOAD_KEYS = ("uploadRequest", "uploadFileInfo")

#: Where a summaries page may keep its jobs and its next cursor.
_PAGE_ITEMS = ("summaries", "data", "jobs", "items", "bulkJobs", "results")
_PAGE_CURSOR = ("nextCursor", "cursor", "next", "nextPageCursor")


def _as_request(request: Any) -> BulkJobRequest:
    if isinstance(request, BulkJobRequest):
        return request
    if isinstance(request, Mapping):
        return BulkJobRequest.from_mapping(request)
    raise InvalidRequest(
        "zuora.bulk_job submit takes a BulkJobRequest or a mapping with file, name and objectType"
    )


def _file_type(request: BulkJobRequest, loaded: LoadedFile) -> str:
    if request.file_type:
        return request.file_type
    return "jsonl" if loaded.name.lower().endswith((".jsonl", ".ndjson")) else "csv"


def _without_upload(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in _UPLOAD_KEYS}


def _file_url(value: Any) -> str | None:
    """A download link from a ``downloads`` answer field (a URL, or an object holding one)."""
    if isinstance(value, Mapping):
        value = next(
            (value[k] for k in ("url", "uri", "downloadUrl", "href") if value.get(k)), None
        )
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return value
    return None


class BulkJobAdapter(ZuoraAdapter):
    """Zuora Bulk Data jobs: create, upload, submit, poll the summary, abort, download rows."""

    name: ClassVar[str] = "zuora.bulk_job"
    description: ClassVar[str] = "Zuora Bulk Data jobs (POST /bulk-data/bulk-jobs)"
    statuses: ClassVar[StatusTable] = StatusTable(
        {
            JobStatus.PENDING: ("Created", "Submitted"),
            JobStatus.RUNNING: ("In Progress", "Downloading"),
            JobStatus.CANCELLING: ("Aborting",),
            JobStatus.SUCCEEDED: ("Completed",),
            JobStatus.FAILED: ("Failed",),
            JobStatus.CANCELLED: ("Aborted", "Cancelled"),
        },
        owner="zuora.bulk_job",
    )
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"submit", "get", "cancel", "results", "list"}
    )
    #: Zuora replays the first answer for a repeated Idempotency-Key, so a
    #: submission whose answer was lost can be resent under its key.
    idempotent_submit: ClassVar[bool] = True
    #: "Created": the job exists but its file was never uploaded and it was never
    #: submitted (a crash between create and upload); it never runs on its own.
    half_made_statuses: ClassVar[frozenset[str]] = frozenset({"Created"})
    #: Zuora sets no polling interval (its quota is 50,000 calls a minute per
    #: tenant); 2 s is only the floor: the tracker backs off from it and aims
    #: at the end the row counts predict, which a coarser floor would hold back.
    poll_interval: ClassVar[tuple[float, float]] = (2.0, 60.0)

    # -- the pure half ---------------------------------------------------------------

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        body = self.require_mapping(payload)
        if is_failure_flag(body):
            raise self.malformed("the answer says success: false; it is an error, not a job")
        ident = self.job_id_from(body.get("id", body.get("jobId")), job_id, "id")
        word = body.get("status")
        status = self.status_of(word)
        succeeded = self.count(body, "rowsSucceeded")
        failed = self.count(body, "rowsFailed")
        processed = None
        if succeeded is not None or failed is not None:
            processed = (succeeded or 0) + (failed or 0)
        updated = self.timestamp(body, "lastUpdatedAt")
        ended = self.timestamp(body, "completedAt") or self.timestamp(body, "endedAt")
        if ended is None and status.is_terminal:
            ended = updated  # a finished job's last update is when it finished
        errors = list(self.errors_in(body))
        reason = optional_str(body.get("failureReason"), name="failureReason")
        if reason and reason.strip():
            errors.append(JobError(None, reason))
        return Job(
            adapter=self.name,
            id=ident,
            status=status,
            native_status=word,
            operation=optional_str(body.get("jobType"), name="jobType"),
            target=optional_str(body.get("objectType"), name="objectType"),
            counts=Counts(
                total=self.count(body, "rowCount"),
                processed=processed,
                succeeded=succeeded,
                failed=failed,
            ),
            created_at=self.timestamp(body, "createdAt"),
            started_at=self.timestamp(body, "startedAt"),
            ended_at=ended,
            updated_at=updated,
            submitted_by=optional_str(body.get("createdBy"), name="createdBy"),
            errors=tuple(errors),
            raw=payload,
        )

    def request_from_options(self, options: Mapping[str, Any]) -> BulkJobRequest:
        return BulkJobRequest.from_mapping(options)

    # -- the I/O half ----------------------------------------------------------------

    def _path(self, job_id: str, *rest: str) -> str:
        return "/".join([BASE, self.segment(job_id), *rest])

    def submit(self, conn: Connection, request: Any) -> Job:
        """Create the job, upload the file to the presigned target, submit it."""
        req = _as_request(request)
        loaded = load_file(req.file, name=req.filename, what="bulk job file")
        if not loaded.data.strip():
            raise InvalidRequest(f"bulk job file {loaded.name!r} is empty")
        file_type = _file_type(req, loaded)
        key = check_idempotency_key(req.idempotency_key)
        created = self.require_mapping(
            conn.request(
                "POST", BASE, json=req.body(file_type), idempotency_key=key, adapter=self.name
            ).json(),
            "create answer",
        )
        job_id = self.job_id_from(created.get("id", created.get("jobId")), None, "id")
        try:
            target = upload_target(created)
            self._upload(conn, target, loaded, file_type)
            answer = conn.request(
                "POST",
                self._path(job_id, "submissions"),
                idempotency_key=key[:240] + "-submit",
                adapter=self.name,
            ).json()
        except ProviderError as exc:
            # A resubmission under the same key gets the first create answer back;
            # if that job was already submitted, its (possibly expired) upload target
            # failing means nothing: the job is running.
            already = self._submitted_already(conn, job_id)
            if already is not None:
                return already
            exc.message = (
                f"{exc.message} (bulk job {job_id} was created but its upload or submission failed: "
                f"abort it with `jobadapter cancel {self.name} {job_id}`)"
            )
            exc.details = exc.details if exc.details is not None else {"job_id": job_id}
            raise
        if isinstance(answer, Mapping) and "status" in answer:
            merged = {**_without_upload(created), **_without_upload(answer)}
            return self.parse(merged, job_id=job_id)
        return self.get(conn, job_id)

    def _submitted_already(self, conn: Connection, job_id: str) -> Job | None:
        """The job, when the provider says it was submitted already (else None)."""
        try:
            current = self.get(conn, job_id)
        except ProviderError:
            return None
        created = current.native_status is not None and current.native_status.lower() == "created"
        return None if created else current

    def _upload(
        self, conn: Connection, target: UploadTarget, loaded: LoadedFile, file_type: str
    ) -> None:
        """POST the file to the presigned target: its form fields, then the file, no credentials.

        Sent straight through the transport (never ``conn.request``) so no Zuora
        header or token can reach the storage host. Re-posting the same object
        is harmless, so failures are retried like idempotent calls.
        """
        content_type = "text/csv" if file_type == "csv" else "application/x-ndjson"
        multipart: dict[str, Any] = dict(target.fields)
        multipart["file"] = (loaded.name, loaded.data, content_type)
        response = conn.transport.request(
            "POST",
            target.url,
            multipart=multipart,
            retry_unsafe=True,
            timeouts=conn.timeouts,
            verify_tls=conn.profile.verify_tls,
        )
        if not response.ok:
            cls = error_class_for_status(response.status)
            snippet = response.text[:200].strip()
            raise cls(
                f"uploading the file to the presigned target failed (HTTP {response.status})"
                + (f": {snippet}" if snippet else ""),
                status=response.status,
                request_id=response.request_id,
                adapter=self.name,
                method="POST",
                url=response.url,
            )

    def get(self, conn: Connection, job_id: str) -> Job:
        answer = conn.get_json(self._path(job_id, "summary"), adapter=self.name)
        return self.parse(answer, job_id=job_id)

    def cancel(self, conn: Connection, job_id: str) -> Job:
        """Abort an unfinished job (``POST .../aborts``)."""
        current = self.get(conn, job_id)
        if current.is_terminal:
            raise InvalidRequest(
                f"bulk job {job_id} is already {current.native_status} "
                f"({current.status.value}); only unfinished jobs can be aborted",
                adapter=self.name,
            )
        if current.status is JobStatus.CANCELLING:
            return current
        answer = conn.request(
            "POST", self._path(job_id, "aborts"), retry_unsafe=True, adapter=self.name
        ).json()
        if isinstance(answer, Mapping) and "status" in answer:
            base = current.raw if isinstance(current.raw, Mapping) else {}
            return self.parse({**base, **answer}, job_id=job_id)
        return self.get(conn, job_id)

    def results(self, conn: Connection, job_id: str) -> Iterator[dict[str, Any]]:
        """Rows of the success and error files, each with ``_outcome`` and ``_row``, streamed."""
        job = self.get(conn, job_id)
        if not job.is_terminal:
            raise InvalidRequest(
                f"bulk job {job_id} is {job.native_status}; its row files exist once it "
                "finishes (jobadapter watch)",
                adapter=self.name,
            )
        answer = conn.get_json(self._path(job_id, "downloads"), adapter=self.name)
        files = self.require_mapping(answer, "downloads answer")
        sources = [
            (outcome, url)
            for outcome, key in (("succeeded", "successRowsFile"), ("failed", "errorRowsFile"))
            if (url := _file_url(files.get(key))) is not None
        ]
        return self._rows(conn, sources)

    def _rows(self, conn: Connection, sources: list[tuple[str, str]]) -> Iterator[dict[str, Any]]:
        for outcome, url in sources:

            def fetch(dest: BinaryIO, _url: str = url) -> object:
                # presigned storage links: never send the Zuora token with them
                return conn.download(_url, dest, authenticated=False)

            for number, row in enumerate(stream_download(fetch), start=1):
                row["_outcome"] = outcome
                row["_row"] = number
                yield row

    def list_jobs(self, conn: Connection, **filters: Any) -> Iterator[Job]:
        """Every job summary, following the cursor to the end.

        Filters: ``status`` (a native word such as ``"In Progress"``, sent to
        Zuora, or a :class:`JobStatus`, applied here), ``limit`` (page size).
        """
        status = filters.pop("status", None)
        page_size = filters.pop("limit", None) or filters.pop("page_size", None)
        if filters:
            raise InvalidRequest(
                f"zuora.bulk_job list takes status and limit, not {sorted(filters)}"
            )
        native: str | None = None
        wanted: JobStatus | None = None
        if isinstance(status, JobStatus):
            wanted = status
        elif status is not None:
            key = normalise_word(str(status))
            native = next((w for w in DOCUMENTED_STATUSES if normalise_word(w) == key), None)
            if native is None:
                raise InvalidRequest(
                    f"status {status!r} is not a Bulk Data status: {', '.join(DOCUMENTED_STATUSES)}"
                )
        return self._pages(conn, native, wanted, page_size)

    def _pages(
        self, conn: Connection, native: str | None, wanted: JobStatus | None, page_size: Any
    ) -> Iterator[Job]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            query = {"limit": page_size, "cursor": cursor, "status": native}
            answer = conn.get_json(f"{BASE}/summaries", query=query, adapter=self.name)
            items, cursor = self._page(answer)
            for item in items:
                job = self.parse(item)
                if wanted is None or job.status is wanted:
                    yield job
            if not items or not cursor or cursor in seen:
                return
            seen.add(cursor)

    def _page(self, answer: Any) -> tuple[list[Any], str | None]:
        if isinstance(answer, list):
            return answer, None
        page = self.require_mapping(answer, "summaries answer")
        items = next((page[k] for k in _PAGE_ITEMS if isinstance(page.get(k), list)), None)
        if items is None:
            raise self.malformed(
                f"summaries answer has no list of jobs (keys: {sorted(page)[:10]})"
            )
        cursor = next((page[k] for k in _PAGE_CURSOR if page.get(k)), None)
        return items, (str(cursor) if cursor is not None else None)
