"""The Zoho bulk simulator's bulk read routes: create an export, its state, its result zip."""

from __future__ import annotations

import json

from jobadapter_zoho_common.simulator import error_at
from werkzeug.wrappers import Request, Response

from jobadapter_zoho_bulk.sim_common import DEFAULT_RECORDS, BulkSimulatorBase, zip_response
from jobadapter_zoho_bulk.sim_jobs import ReadJob


class BulkReadRoutes(BulkSimulatorBase):
    """``POST /crm/bulk/{v}/read`` and the job's state and result."""

    def on_read_create(self, request: Request, version: str) -> Response:
        refused = self._admit(request, "ZohoCRM.bulk.read")
        if refused is not None:
            return refused
        body = self._body(request)
        if isinstance(body, Response):
            return body
        bad = self._callback_error(body)
        if bad is not None:
            return bad
        query = body.get("query")
        if not isinstance(query, dict):
            return self.zoho_error(
                400, "MANDATORY_NOT_FOUND", "required field not found", error_at("query")
            )
        module = self._module(query.get("module"))
        if module is None:
            return self.zoho_error(
                400, "MODULE_NOT_AVAILABLE", "the module is not available", error_at("query.module")
            )
        page = query.get("page", 1)
        if "page_token" in query:
            page = int(str(query["page_token"]).rpartition("-")[2] or 1)
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            return self.zoho_error(400, "INVALID_DATA", "invalid page", error_at("query.page"))
        total = self.records.get(module, DEFAULT_RECORDS)
        fields = [f for f in query.get("fields") or ["Last_Name"] if isinstance(f, str)]
        start = (page - 1) * self.per_page
        if start >= max(total, 1):
            return self.zoho_error(
                400, "PAGE_RANGE_EXCEEDED", "page range exceeded", {"max_limit": page - 1}
            )
        ids = range(start, min(total, start + self.per_page))
        rows = [
            {"Id": str(4150868000000100000 + n), **{f: f"{f} {n}" for f in fields}} for n in ids
        ]
        failing = "FAIL" in json.dumps(query.get("criteria"))
        with self.lock:
            job_id = self.new_job_id()
            echoed = {**query, "module": {"api_name": module}, "page": page}
            echoed.pop("page_token", None)
            self.reads[job_id] = ReadJob(
                job_id, module, echoed, rows, page, start + self.per_page < total, failing,
                self.clock.now(), self._now_text(), body.get("callback"),
            )  # fmt: skip
        details = {
            "id": job_id,
            "operation": "read",
            "state": "ADDED",
            "created_by": self.reads[job_id].snapshot(0, delay=1, rate=1, url="")["created_by"],
            "created_time": self.reads[job_id].created_time,
        }
        answer = {
            "data": [
                {
                    "status": "success",
                    "code": "ADDED_SUCCESSFULLY",
                    "message": "Added successfully.",
                    "details": details,
                }
            ],
            "info": {},
        }
        return self.json_response(answer, 201)

    def on_read_job(self, request: Request, version: str, job_id: str) -> Response:
        refused = self._admit(request, "ZohoCRM.bulk.read")
        if refused is not None:
            return refused
        job = self.reads.get(job_id)
        if job is None:
            return self._no_resource(404)
        return self.json_response({"data": [self._snapshot(job, "read", version)]})

    def on_read_result(self, request: Request, version: str, job_id: str) -> Response:
        refused = self._admit(request, "ZohoCRM.bulk.read")
        if refused is not None:
            return refused
        job = self.reads.get(job_id)
        if job is None or self._snapshot(job, "read", version)["state"] != "COMPLETED":
            return self._no_resource(400)
        return zip_response(job.result_zip(), f"{job_id}.zip")
