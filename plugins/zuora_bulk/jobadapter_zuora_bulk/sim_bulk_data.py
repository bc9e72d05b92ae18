"""Simulated Bulk Data jobs (``/bulk-data/bulk-jobs``) and the storage host they upload to.

Create answers a presigned upload target (``uploadRequest{uri, fields}`` or,
with ``upload_style="uploadFileInfo"``, ``uploadFileInfo{uploadUrl,
formFields}``). The storage routes stand in for S3: they are public, check
the signed fields, and refuse any request carrying an ``Authorization``
header, so a client that leaks its Zuora token to the storage host fails.
After ``submissions`` the job walks Submitted, Downloading, In Progress,
Completed (Failed for a file without rows); ``aborts`` stops it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import threading
from typing import Any, ClassVar

import attrs
from jobadapter_zuora_common.simulator import ZuoraSimulatorBase
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from jobadapter_zuora_bulk.requests import FILE_TYPES, JOB_TYPES
from jobadapter_zuora_bulk.sim_data import (
    FAIL_MESSAGE,
    BadFile,
    Table,
    csv_bytes,
    iso_time,
    read_table,
)

INVALID_VALUE = 59100020
MISSING_FIELD = 59100022
RULE = 59100030
NOT_FOUND = 59100040

BUCKET = "jobadapter-sandbox-uploads"
#: Signs the simulator's presigned fields; a local fake, like everything the sandbox hands out.
_SIGNING_KEY = b"jobadapter-sandbox-signing-key"

TERMINAL = ("Completed", "Failed", "Aborted", "Cancelled")


@attrs.frozen
class BulkState:
    status: str
    total: int | None
    succeeded: int | None
    failed: int | None
    updated: float
    failure: str | None = None


@attrs.define
class BulkDataJob:
    """One Bulk Data job and the timing that drives its status walk."""

    id: str
    body: dict[str, Any]
    created_at: float
    queue_for: float
    download_for: float
    rate: float
    abort_delay: float
    upload_key: str
    upload: bytes | None = None
    table: Table | None = None
    bad_file: str | None = None
    uploaded_at: float | None = None
    submitted_at: float | None = None
    abort_at: float | None = None
    files: dict[str, str] = attrs.Factory(dict)

    def _counts(self, processed: int) -> tuple[int, int, int]:
        assert self.table is not None
        total = len(self.table.fails)
        failed = sum(self.table.fails[:processed])
        return total, processed - failed, failed

    def state(self, now: float) -> BulkState:
        if self.submitted_at is None:
            if self.abort_at is not None:
                return BulkState("Aborted", None, None, None, self.abort_at)
            return BulkState("Created", None, None, None, self.uploaded_at or self.created_at)
        t_download = self.submitted_at + self.queue_for
        t_run = t_download + self.download_for
        if self.abort_at is not None and self.abort_at < t_run:
            if now < self.abort_at + self.abort_delay:
                return BulkState("Aborting", None, None, None, self.abort_at)
            return BulkState("Aborted", None, None, None, self.abort_at + self.abort_delay)
        if now < t_download:
            return BulkState("Submitted", None, None, None, self.submitted_at)
        if now < t_run:
            return BulkState("Downloading", None, None, None, t_download)
        rows = len(self.table.fails) if self.table is not None else 0
        if self.table is None or rows == 0:
            reason = self.bad_file or "The file has no data rows"
            return BulkState("Failed", 0, 0, 0, t_run, reason)
        finish = t_run + rows / self.rate
        if self.abort_at is not None and self.abort_at < finish:
            done = min(rows, int((self.abort_at - t_run) * self.rate + 1e-9))
            if now < self.abort_at + self.abort_delay:
                return BulkState("Aborting", *self._counts(done), self.abort_at)
            return BulkState("Aborted", *self._counts(done), self.abort_at + self.abort_delay)
        if now >= finish:
            return BulkState("Completed", *self._counts(rows), finish)
        done = min(rows, int((now - t_run) * self.rate + 1e-9))
        return BulkState("In Progress", *self._counts(done), t_run + done / self.rate)


class BulkDataSimulator(ZuoraSimulatorBase):
    """The Bulk Data routes and the fake storage host; combined in :class:`ZuoraBulkSimulator`.

    ``timestamps``: ``"epoch"`` (the reference sample) or ``"iso"`` (the tutorial).
    ``upload_style``: ``"uploadRequest"`` (samples) or ``"uploadFileInfo"`` (prose).
    """

    name: ClassVar[str] = "zuora_bulk_data"
    public_endpoints: ClassVar[frozenset[str]] = ZuoraSimulatorBase.public_endpoints | {
        "storage_upload",
        "storage_file",
    }
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

    def _sign(self, text: str) -> str:
        return hmac.new(_SIGNING_KEY, text.encode(), hashlib.sha256).hexdigest()

    def _upload_fields(self, key: str) -> dict[str, str]:
        policy = base64.b64encode(f'{{"bucket":"{BUCKET}","key":"{key}"}}'.encode()).decode()
        return {
            "key": key,
            "bucket": BUCKET,
            "x-amz-algorithm": "AWS4-HMAC-SHA256",
            "x-amz-credential": "SANDBOXACCESSKEY/20240101/us-west-2/s3/aws4_request",
            "x-amz-date": "20240101T000000Z",
            "Policy": policy,
            "x-amz-signature": self._sign(key),
            "x-amz-security-token": "sandbox-session-token",
        }

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

    # -- the storage host ---------------------------------------------------------------

    def _storage_error(self, status: int, code: str, message: str) -> Response:
        xml = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
        return Response(xml, status=status, mimetype="application/xml")

    def on_storage_upload(self, request: Request) -> Response:
        if "Authorization" in request.headers:
            return self._storage_error(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; a presigned POST must not carry Authorization",
            )
        form = request.form
        key = form.get("key", "")
        with self._bulk_lock:
            job = next((j for j in self.bulk_jobs.values() if j.upload_key == key), None)
        if job is None:
            return self._storage_error(403, "AccessDenied", "Unknown upload key")
        expected = self._upload_fields(key)
        if {k: form.get(k) for k in expected} != expected:
            return self._storage_error(403, "AccessDenied", "Form fields do not match the policy")
        upload = request.files.get("file")
        if upload is None:
            return self._storage_error(400, "InvalidArgument", "POST requires a 'file' field")
        data = upload.read()
        kind = job.body.get("fileType", "csv")
        with self._bulk_lock:
            job.upload = data
            job.uploaded_at = self.clock.now()
            try:
                job.table = read_table(data, kind)
                job.bad_file = None
            except BadFile as exc:
                job.table = None
                job.bad_file = f"Cannot read the file: {exc}"
        return Response(status=204)

    def on_storage_file(self, request: Request, file_id: str) -> Response:
        if "Authorization" in request.headers:
            return self._storage_error(
                400, "InvalidArgument", "Only one auth mechanism allowed (presigned URL)"
            )
        if request.args.get("X-Amz-Signature") != self._sign(file_id):
            return self._storage_error(403, "AccessDenied", "Bad or missing signature")
        with self._bulk_lock:
            stored = self.storage.get(file_id)
        if stored is None:
            return self._storage_error(404, "NoSuchKey", "The specified key does not exist")
        data, mimetype = stored
        return Response(data, mimetype=mimetype)

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

    def _store(self, job: BulkDataJob, name: str, data: bytes, mimetype: str) -> str:
        if name not in job.files:
            file_id = self.new_hex(32)
            self.storage[file_id] = (data, mimetype)
            job.files[name] = file_id
        file_id = job.files[name]
        return self.url(f"/storage/files/{file_id}?X-Amz-Signature={self._sign(file_id)}")

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
                good, bad = self._row_files(job.table, done)
                answer["successRowsFile"] = self._store(job, "success", good, "text/csv")
                answer["errorRowsFile"] = self._store(job, "errors", bad, "text/csv")
        return self.json_response(answer)

    @staticmethod
    def _row_files(table: Table, done: int) -> tuple[bytes, bytes]:
        """Success and error row files for the first ``done`` rows (CSV, or JSON lines)."""
        fails = table.fails[:done]
        if table.kind == "jsonl":
            good_lines = [
                json.dumps(r) for r, f in zip(table.records, fails, strict=False) if not f
            ]
            bad_lines = [
                json.dumps({**r, "errorMessage": FAIL_MESSAGE})
                for r, f in zip(table.records, fails, strict=False)
                if f
            ]
            return ("\n".join(good_lines) + "\n").encode(), ("\n".join(bad_lines) + "\n").encode()
        good = [row for row, f in zip(table.rows, fails, strict=False) if not f]
        bad = [[*row, FAIL_MESSAGE] for row, f in zip(table.rows, fails, strict=False) if f]
        return csv_bytes(table.header, good), csv_bytes([*table.header, "errorMessage"], bad)

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
