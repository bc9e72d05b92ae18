"""Simulated Bulk Data jobs (``/bulk-data/bulk-jobs``) and the storage host they upload to.

Create answers a presigned upload target (``uploadRequest{uri, fields}`` or,
with ``upload_style="uploadFileInfo"``, ``uploadFileInfo{uploadUrl,
formFields}``). The storage routes stand in for S3: they are public, check
the signed fields, and refuse any request carrying an ``Authorization``
header, so a client that leaks its Zuora token to the storage host fails.
After ``submissions`` the job walks Submitted, Downloading, In Progress,
Completed (Failed for a file without rows); ``aborts`` stops it. The job's
timeline is :mod:`~jobadapter_zuora_bulk.sim_bulk_jobs`, the storage host
:mod:`~jobadapter_zuora_bulk.sim_storage`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from jobadapter_zuora_bulk.requests import FILE_TYPES, JOB_TYPES
from jobadapter_zuora_bulk.sim_bulk_jobs import TERMINAL, BulkDataJob, row_files
from jobadapter_zuora_bulk.sim_data import iso_time
from jobadapter_zuora_bulk.sim_storage import StorageHost

INVALID_VALUE = 59100020
MISSING_FIELD = 59100022
RULE = 59100030
NOT_FOUND = 59100040


class BulkDataSimulator(StorageHost):
    """The Bulk Data routes and the fake storage host; combined in :class:`ZuoraBulkSimulator`.

    ``timestamps``: ``"epoch"`` (the reference sample) or ``"iso"`` (the tutorial).
    ``upload_style``: ``"uploadRequest"`` (samples) or ``"uploadFileInfo"`` (prose).
    """

    name: ClassVar[str] = "zuora_bulk_data"
    created_by: ClassVar[str] = "sandbox@example.com"

    def __init__(
        self,
        *,
        queue_seconds: float = 1.0,
        download_seconds: float = 1.0,
        bulk_rows_per_second: float = 5.0,
        abort_seconds: float = 1.0,
        timestamps: str = "epoch",
        upload_style: str = "uploadRequest",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if timestamps not in ("epoch", "iso"):
            raise ValueError("timestamps is 'epoch' or 'iso'")
        if upload_style not in ("uploadRequest", "uploadFileInfo"):
            raise ValueError("upload_style is 'uploadRequest' or 'uploadFileInfo'")
        self.queue_seconds = float(queue_seconds)
        self.download_seconds = float(download_seconds)
        self.bulk_rows_per_second = float(bulk_rows_per_second)
        self.abort_seconds = float(abort_seconds)
        self.timestamps = timestamps
        self.upload_style = upload_style
        self.bulk_jobs: dict[str, BulkDataJob] = {}
        self.storage: dict[str, tuple[bytes, str]] = {}
        self._bulk_idempotency: dict[str, tuple[str, dict[str, Any]]] = {}
        self._bulk_lock = threading.RLock()

    def api_rules(self) -> list[Rule]:
        jobs = "/bulk-data/bulk-jobs"
        return [
            *super().api_rules(),
            Rule(jobs, methods=["POST"], endpoint="bulk_create"),
            Rule(f"{jobs}/summaries", methods=["GET"], endpoint="bulk_summaries"),
            Rule(f"{jobs}/<job_id>/submissions", methods=["POST"], endpoint="bulk_submit"),
            Rule(f"{jobs}/<job_id>/summary", methods=["GET"], endpoint="bulk_summary"),
            Rule(f"{jobs}/<job_id>/aborts", methods=["POST"], endpoint="bulk_abort"),
            Rule(f"{jobs}/<job_id>/downloads", methods=["GET"], endpoint="bulk_downloads"),
            Rule("/storage/upload", methods=["POST"], endpoint="storage_upload"),
            Rule("/storage/files/<file_id>", methods=["GET"], endpoint="storage_file"),
        ]

    # -- answers -----------------------------------------------------------------------

    def _time(self, epoch: float | None) -> int | str | None:
        if epoch is None:
            return None
        return iso_time(epoch) if self.timestamps == "iso" else int(epoch)

    def summary(self, job: BulkDataJob) -> dict[str, Any]:
        """The documented ``GET .../summary`` answer for ``job`` now."""
        state = job.state(self.clock.now())
        body = job.body
        return {
            "id": job.id,
            "name": body.get("name"),
            "description": body.get("description"),
            "createdAt": self._time(job.created_at),
            "createdBy": self.created_by,
            "status": state.status,
            "rowCount": state.total,
            "rowsSucceeded": state.succeeded,
            "rowsFailed": state.failed,
            "lastUpdatedAt": self._time(state.updated),
            "failureReason": state.failure,
            "objectType": body.get("objectType"),
            "jobType": body.get("jobType", "Import"),
            "isCustomObject": bool(body.get("isCustomObject", False)),
            "customObjectNamespace": body.get("customObjectNamespace", "default"),
            "dataSourceType": "UserUpload",
            "systemType": "BILLING",
            "fileType": body.get("fileType", "csv"),
        }

    def _job(self, job_id: str) -> BulkDataJob | None:
        with self._bulk_lock:
            return self.bulk_jobs.get(job_id)

    def _missing(self, job_id: str) -> Response:
        return self.v1_error(NOT_FOUND, f"Bulk job {job_id} not found", 404)

    # -- create ------------------------------------------------------------------------

    def _check_create(self, body: Any) -> Response | None:
        if not isinstance(body, dict):
            return self.v1_error(INVALID_VALUE, "The request body must be a JSON object", 400)
        for field in ("name", "objectType"):
            if not isinstance(body.get(field), str) or not body[field].strip():
                return self.v1_error(MISSING_FIELD, f"'{field}' is required", 400)
        if len(body["name"]) > 255:
            return self.v1_error(INVALID_VALUE, "'name' is longer than 255 characters", 400)
        if body.get("jobType", "Import") not in JOB_TYPES:
            return self.v1_error(INVALID_VALUE, f"'jobType' must be one of {JOB_TYPES}", 400)
        if body.get("fileType", "csv") not in FILE_TYPES:
            return self.v1_error(INVALID_VALUE, f"'fileType' must be one of {FILE_TYPES}", 400)
        return None

    def _created_answer(self, job: BulkDataJob) -> dict[str, Any]:
        answer = {
            "id": job.id,
            "status": "Created",
            "jobType": job.body.get("jobType", "Import"),
            "name": job.body.get("name"),
            "objectType": job.body.get("objectType"),
        }
        url = self.url("/storage/upload")
        fields = self._upload_fields(job.upload_key)
        if self.upload_style == "uploadFileInfo":
            answer["uploadFileInfo"] = {"uploadUrl": url, "formFields": fields, "jobId": job.id}
        else:
            answer["uploadRequest"] = {"uri": url, "fields": fields}
        return answer

    def on_bulk_create(self, request: Request) -> Response:
        body = self.read_json(request)
        key = request.headers.get("Idempotency-Key")
        fingerprint = hashlib.sha256(request.get_data()).hexdigest()
        if key:
            with self._bulk_lock:
                seen = self._bulk_idempotency.get(key)
            if seen is not None:
                if seen[0] != fingerprint:
                    return self.v1_error(RULE, "Idempotency-Key reused for another request", 409)
                return self.json_response(seen[1])
        problem = self._check_create(body)
        if problem is not None:
            return problem
        job_id = self.new_uuid()
        name = "data.jsonl" if body.get("fileType") == "jsonl" else "data.csv"
        job = BulkDataJob(
            id=job_id,
            body=dict(body),
            created_at=self.clock.now(),
            queue_for=self.queue_seconds,
            download_for=self.download_seconds,
            rate=self.bulk_rows_per_second,
            abort_delay=self.abort_seconds,
            upload_key=f"uploads/{job_id}/{name}",
        )
        answer = self._created_answer(job)
        with self._bulk_lock:
            self.bulk_jobs[job_id] = job
            if key:
                self._bulk_idempotency[key] = (fingerprint, answer)
        return self.json_response(answer)

    # -- submissions, summary, aborts, downloads -----------------------------------------

    def on_bulk_submit(self, request: Request, job_id: str) -> Response:
        with self._bulk_lock:
            job = self.bulk_jobs.get(job_id)
            if job is None:
                return self._missing(job_id)
            if job.submitted_at is not None:
                if request.headers.get("Idempotency-Key"):
                    return self.json_response(self.summary(job))  # a retried submission
                return self.v1_error(RULE, "The job has already been submitted", 400)
            if job.abort_at is not None:
                return self.v1_error(RULE, "The job was aborted", 400)
            if job.upload is None:
                return self.v1_error(
                    RULE, "No file was uploaded for this job; upload it before submitting", 400
                )
            job.submitted_at = self.clock.now()
        return self.json_response(self.summary(job))

    def on_bulk_summary(self, request: Request, job_id: str) -> Response:
        job = self._job(job_id)
        if job is None:
            return self._missing(job_id)
        return self.json_response(self.summary(job))

    def on_bulk_abort(self, request: Request, job_id: str) -> Response:
        with self._bulk_lock:
            job = self.bulk_jobs.get(job_id)
            if job is None:
                return self._missing(job_id)
            status = job.state(self.clock.now()).status
            if status in TERMINAL or status == "Aborting":
                return self.v1_error(RULE, f"A job that is {status} cannot be aborted", 400)
            job.abort_at = self.clock.now()
        return self.json_response(self.summary(job))

    def on_bulk_downloads(self, request: Request, job_id: str) -> Response:
        with self._bulk_lock:
            job = self.bulk_jobs.get(job_id)
            if job is None:
                return self._missing(job_id)
            state = job.state(self.clock.now())
            if state.status not in TERMINAL:
                return self.v1_error(
                    RULE, f"The job is {state.status}; files exist once it ends", 400
                )
            answer: dict[str, Any] = {
                "sourceFile": None,
                "errorRowsFile": None,
                "successRowsFile": None,
            }
            if job.upload is not None:
                answer["sourceFile"] = self._store(job, "source", job.upload, "text/csv")
            if job.table is not None and state.total:
                done = (state.succeeded or 0) + (state.failed or 0)
                good, bad = row_files(job.table, done)
                answer["successRowsFile"] = self._store(job, "success", good, "text/csv")
                answer["errorRowsFile"] = self._store(job, "errors", bad, "text/csv")
        return self.json_response(answer)

    # -- list ------------------------------------------------------------------------------

    def on_bulk_summaries(self, request: Request) -> Response:
        try:
            limit = int(request.args.get("limit", "20"))
            cursor = request.args.get("cursor")
            offset = int(base64.urlsafe_b64decode(cursor.encode())) if cursor else 0
        except (ValueError, binascii.Error):
            return self.v1_error(INVALID_VALUE, "limit and cursor must be valid", 400)
        if not 1 <= limit <= 100:
            return self.v1_error(INVALID_VALUE, "limit must be between 1 and 100", 400)
        wanted = request.args.get("status")
        with self._bulk_lock:
            jobs = sorted(self.bulk_jobs.values(), key=lambda j: (-j.created_at, j.id))
            summaries = [self.summary(j) for j in jobs]
        if wanted:
            summaries = [s for s in summaries if s["status"] == wanted]
        page = summaries[offset : offset + limit]
        more = offset + limit < len(summaries)
        cursor = base64.urlsafe_b64encode(str(offset + limit).encode()).decode() if more else None
        return self.json_response({"summaries": page, "nextCursor": cursor})
