"""The Zoho bulk simulator's content host (upload) and bulk write routes."""

from __future__ import annotations

import io
import zipfile

from jobadapter_zoho_common.simulator import error_at
from werkzeug.wrappers import Request, Response

from jobadapter_zoho_bulk.sim_common import ORG_ID, BulkSimulatorBase, zip_response
from jobadapter_zoho_bulk.sim_jobs import WriteJob
from jobadapter_zoho_bulk.zipcsv import csv_member, rows_of


class BulkWriteRoutes(BulkSimulatorBase):
    """``POST /crm/{v}/upload`` on the content host, then ``POST /crm/bulk/{v}/write``
    and the job's state and result."""

    # -- the content host ------------------------------------------------------------------

    def on_upload(self, request: Request, version: str) -> Response:
        if (
            request.headers.get("feature") != "bulk-write"
            or request.headers.get("X-CRM-ORG") != ORG_ID
        ):
            return self.json_response(
                {
                    "ERROR_CODE": 400,
                    "ERROR_MESSAGE": "Bad Request",
                    "x-error": "check if headers [feature, X-CRM-ORG] are present and valid",
                },
                400,
            )
        refused = self._admit(request, "ZohoCRM.files.CREATE")
        if refused is not None:
            return refused
        upload = request.files.get("file")
        data = upload.read() if upload is not None else b""
        self.uploads.append((dict(request.headers.items()), request.get_data()))
        if not zipfile.is_zipfile(io.BytesIO(data)):
            return self.zoho_error(
                400, "INVALID_FILE_FORMAT", "invalid file format. only zip format is supported"
            )
        rows = list(rows_of(csv_member(data)))
        with self.lock:
            file_id = self.new_job_id()
            self.files[file_id] = (upload.filename or "upload.zip" if upload else "", rows)
        answer = {
            "status": "success",
            "code": "FILE_UPLOAD_SUCCESS",
            "message": "file uploaded.",
            "details": {"file_id": file_id, "created_time": self._now_text()},
        }
        return self.json_response(answer)

    # -- bulk write ----------------------------------------------------------------------

    def on_write_create(self, request: Request, version: str) -> Response:
        refused = self._admit(request, "ZohoCRM.bulk.write")
        if refused is not None:
            return refused
        body = self._body(request)
        if isinstance(body, Response):
            return body
        operation = body.get("operation")
        if operation is None:
            return self.zoho_error(
                400, "MISSING_REQUIRED_KEY", "required key operation is not found in request body."
            )
        if operation not in ("insert", "update", "upsert"):
            return self.zoho_error(400, "INVALID_DATA", "invalid operation", error_at("operation"))
        bad = self._callback_error(body)
        if bad is not None:
            return bad
        resources = body.get("resource")
        resource = resources[0] if isinstance(resources, list) and resources else None
        if not isinstance(resource, dict):
            return self.zoho_error(
                400, "MANDATORY_NOT_FOUND", "required field not found", error_at("resource")
            )
        module = self._module(resource.get("module"))
        if module is None:
            return self.zoho_error(
                400, "MODULE_NOT_AVAILABLE", "Requested module is not available."
            )
        upload = self.files.get(str(resource.get("file_id")))
        if upload is None:
            return self.zoho_error(400, "INVALID_FILE_ID", "improper file id")
        if operation == "update" and not resource.get("find_by"):
            return self.zoho_error(
                400,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                error_at("resource[0].find_by"),
            )
        with self.lock:
            job_id = self.new_job_id()
            self.writes[job_id] = WriteJob(
                job_id, module, operation, body, upload[0], upload[1], self.clock.now(),
                self._now_text(),
            )  # fmt: skip
        answer = {
            "status": "success",
            "code": "SUCCESS",
            "message": "success",
            "details": {"id": job_id, "created_by": dict(self._user())},
        }
        return self.json_response(answer, 201)

    def on_write_job(self, request: Request, version: str, job_id: str) -> Response:
        refused = self._admit(request, "ZohoCRM.bulk.write")
        if refused is not None:
            return refused
        job = self.writes.get(job_id)
        if job is None:
            return self._no_resource(400)
        return self.json_response(self._snapshot(job, "write", version))

    def on_write_result(self, request: Request, version: str, job_id: str) -> Response:
        refused = self._admit(request, "ZohoCRM.bulk.write")
        if refused is not None:
            return refused
        job = self.writes.get(job_id)
        if job is None or "result" not in self._snapshot(job, "write", version):
            return self._no_resource(400)
        return zip_response(job.result_zip(int(job_id) + 1), f"{job_id}.zip")
