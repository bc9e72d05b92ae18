"""``zuora.mass_updater``: Zuora Mass Updater actions (``/v1/bulk``).

A mass action is a CSV uploaded with an ``actionType``; Zuora answers a
``bulkKey`` and processes the rows asynchronously. The status answer has no
id of its own (hence ``parse(payload, job_id=bulk_key)``), its dates are
naive ``yyyy-MM-dd HH:mm:ss`` in the tenant's zone (the profile's
``timezone``), and its counts come as integers, strings or null.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar
from urllib.parse import urlsplit

from jobadapter.errors import InvalidRequest
from jobadapter.model import Counts, Job
from jobadapter.parsing import optional_str
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable
from jobadapter.urls import path_segment, same_origin
from jobadapter_zuora_common.adapter import ZuoraAdapter, check_idempotency_key
from jobadapter_zuora_common.errors import is_failure_flag

from jobadapter_zuora_bulk.files import check_csv_or_zip, load_file
from jobadapter_zuora_bulk.requests import MassUpdateRequest
from jobadapter_zuora_bulk.rows import stream_download

if TYPE_CHECKING:
    from jobadapter.connection import Connection

#: Zuora's documented upload limit for ``POST /v1/bulk``.
MAX_FILE_BYTES = 4 * 2**20

#: Every status word the Mass Updater documents.
DOCUMENTED_STATUSES = ("Pending", "Processing", "Stopping", "Stopped", "Completed", "Failed")

#: The outcome column Zuora adds to the response file: Y, N, or blank (not processed).
SUCCESS_COLUMN = "Success"
_OUTCOMES = {"y": "succeeded", "n": "failed", "": "unprocessed"}


def _as_request(request: Any) -> MassUpdateRequest:
    if isinstance(request, MassUpdateRequest):
        return request
    if isinstance(request, Mapping):
        return MassUpdateRequest.from_mapping(request)
    raise InvalidRequest(
        "zuora.mass_updater submit takes a MassUpdateRequest or a mapping with file and action_type"
    )


class MassUpdaterAdapter(ZuoraAdapter):
    """Zuora Mass Updater: submit a CSV, poll the bulk key, stop it, read the result file."""

    name: ClassVar[str] = "zuora.mass_updater"
    description: ClassVar[str] = "Zuora Mass Updater actions (POST /v1/bulk)"
    statuses: ClassVar[StatusTable] = StatusTable(
        {
            JobStatus.PENDING: ("Pending",),
            JobStatus.RUNNING: ("Processing",),
            JobStatus.CANCELLING: ("Stopping",),
            JobStatus.CANCELLED: ("Stopped",),
            JobStatus.SUCCEEDED: ("Completed",),
            JobStatus.FAILED: ("Failed",),
        },
        owner="zuora.mass_updater",
    )
    capabilities: ClassVar[frozenset[str]] = frozenset({"submit", "get", "cancel", "results"})
    #: Zuora replays the first answer for a repeated Idempotency-Key, so a
    #: submission whose answer was lost can be resent under its key.
    idempotent_submit: ClassVar[bool] = True
    #: ``uploadedOn``/``startedOn``/``endedOn`` are ``yyyy-MM-dd HH:mm:ss`` with no
    #: zone (the tenant's): the profile's ``timezone`` says which.
    naive_timestamps: ClassVar[bool] = True
    #: Zuora sets no polling interval (its quota is 50,000 calls a minute per
    #: tenant); 2 s is only the floor: the tracker backs off from it and aims
    #: at the end the row counts predict, which a coarser floor would hold back.
    poll_interval: ClassVar[tuple[float, float]] = (2.0, 60.0)

    # -- the pure half ---------------------------------------------------------------

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        body = self.require_mapping(payload)
        if is_failure_flag(body):
            raise self.malformed("the answer says success: false; it is an error, not a job")
        bulk_key = self.job_id_from(body.get("bulkKey"), job_id, "bulkKey")
        word = body.get("status")
        status = self.status_of(word)
        succeeded = self.count(body, "successCount")
        failed = self.count(body, "errorCount")
        processed = self.count(body, "processedCount")
        if processed is None and succeeded is not None and failed is not None:
            processed = succeeded + failed
        errors = self.errors_in(body)
        return Job(
            adapter=self.name,
            id=bulk_key,
            status=status,
            native_status=word,
            operation=optional_str(body.get("actionType"), name="actionType"),
            counts=Counts(
                total=self.count(body, "totalCount"),
                processed=processed,
                succeeded=succeeded,
                failed=failed,
            ),
            created_at=self.timestamp(body, "uploadedOn"),
            started_at=self.timestamp(body, "startedOn"),
            ended_at=self.timestamp(body, "endedOn"),
            submitted_by=optional_str(body.get("uploadedBy"), name="uploadedBy"),
            result_url=optional_str(body.get("outputURL"), name="outputURL"),
            errors=errors,
            raw=payload,
        )

    def request_from_options(self, options: Mapping[str, Any]) -> MassUpdateRequest:
        return MassUpdateRequest.from_mapping(options)

    # -- the I/O half ----------------------------------------------------------------

    def _path(self, bulk_key: str, *rest: str) -> str:
        return "/".join(["/v1/bulk", path_segment(bulk_key, what="bulk key"), *rest])

    def submit(self, conn: Connection, request: Any) -> Job:
        """Upload the file with its actionType and MD5 checksum; the Job for the bulkKey."""
        req = _as_request(request)
        loaded = load_file(
            req.file, limit=MAX_FILE_BYTES, name=req.filename, what="mass action file"
        )
        check_csv_or_zip(loaded, what="mass action file")
        digest = hashlib.md5(loaded.data, usedforsecurity=False).hexdigest()
        if req.checksum is not None and req.checksum != digest:
            raise InvalidRequest(
                f"checksum {req.checksum} does not match the file's MD5 {digest}: "
                "the file changed since the checksum was taken"
            )
        key = check_idempotency_key(req.idempotency_key)
        params = json.dumps({"actionType": req.action_type, "checksum": digest})
        content_type = "application/zip" if loaded.is_zip else "text/csv"
        response = conn.request(
            "POST",
            "/v1/bulk",
            multipart={"file": (loaded.name, loaded.data, content_type), "params": params},
            idempotency_key=key,
            adapter=self.name,
        )
        answer = self.require_mapping(response.json(), "submit answer")
        bulk_key = optional_str(answer.get("bulkKey"), name="bulkKey")
        if not bulk_key:
            raise self.malformed("the submit answer has no bulkKey")
        return Job(
            adapter=self.name,
            id=bulk_key,
            status=JobStatus.PENDING,
            operation=req.action_type,
            raw=answer,
        )

    def get(self, conn: Connection, job_id: str) -> Job:
        return self.parse(conn.get_json(self._path(job_id), adapter=self.name), job_id=job_id)

    def cancel(self, conn: Connection, job_id: str) -> Job:
        """Stop a Pending or Processing action (rows already processed stay processed)."""
        current = self.get(conn, job_id)
        if current.status not in (JobStatus.PENDING, JobStatus.RUNNING, JobStatus.UNKNOWN):
            raise InvalidRequest(
                f"mass action {job_id} is {current.native_status} ({current.status.value}); "
                "Zuora can stop only Pending or Processing mass actions",
                adapter=self.name,
            )
        conn.request("PUT", self._path(job_id, "stop"), adapter=self.name)
        return self.get(conn, job_id)

    def results(self, conn: Connection, job_id: str) -> Iterator[dict[str, Any]]:
        """The response file's rows (input columns plus Zuora's outcome columns), streamed.

        Each row also gets ``_row`` (1-based data row) and ``_outcome``
        (``succeeded``, ``failed`` or ``unprocessed``, from the Success column).
        """
        job = self.get(conn, job_id)
        if not job.result_url:
            if not job.is_terminal:
                why = "it has not finished yet; wait for it (jobadapter watch)"
            elif job.status is JobStatus.FAILED:
                why = "it Failed, and Zuora creates no response file for failed mass actions"
            else:
                why = "Zuora gave no outputURL (stopped before any row was processed)"
            raise InvalidRequest(
                f"mass action {job_id} has no result file: {why}", adapter=self.name
            )
        location = self._result_location(conn, job.result_url)

        def fetch(dest: BinaryIO) -> object:
            return conn.download(location, dest)

        return _with_outcomes(stream_download(fetch))

    @staticmethod
    def _result_location(conn: Connection, url: str) -> str:
        """Where to fetch ``outputURL``: a Zuora ``/v1/files/`` path is read from the profile's
        own REST host (the sample's host may differ from the tenant's); credentials are only
        ever sent to that host."""
        absolute = conn.url(url)
        if same_origin(absolute, conn.base_url):
            return absolute
        path = urlsplit(absolute).path
        if path.startswith("/v1/files/"):
            return conn.url(path)
        return absolute


def _with_outcomes(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for number, row in enumerate(rows, start=1):
        row["_row"] = number
        flag = next((v for k, v in row.items() if k.strip().lower() == "success"), None)
        if isinstance(flag, str):
            row["_outcome"] = _OUTCOMES.get(flag.strip().lower(), flag.strip())
        yield row
