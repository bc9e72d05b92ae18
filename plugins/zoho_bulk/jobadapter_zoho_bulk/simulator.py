"""A local Zoho CRM for the bulk APIs: bulk read, the content host's upload, bulk write.

What it does, so tests and the demo can rely on it:

- the accounts server's token endpoint and ``Zoho-oauthtoken`` checks (from
  :class:`~jobadapter_zoho_common.simulator.ZohoSimulatorBase`); scope
  ``ZohoCRM.bulk.ALL`` (or ``ZohoCRM.bulk.read``/``.write``) is needed, and
  ``ZohoCRM.files.CREATE`` to upload;
- ``POST /crm/bulk/{v}/read`` creates an export; its ``state`` is ADDED for
  ``schedule_delay`` simulated seconds, IN PROGRESS at ``rows_per_second``,
  then COMPLETED (FAILURE when the criteria's value contains ``FAIL``). A
  module holds ``module_records`` records (see :meth:`ZohoBulkSimulator.add_records`)
  served ``per_page`` a page, so an export of more says ``more_records`` and
  the next ``page`` reads on;
- ``POST /crm/{v}/upload`` (the content host: the profile's ``content_url`` is this
  server under another host name, so credentials really cross hosts) needs
  ``feature: bulk-write`` and ``X-CRM-ORG`` and a zip, and answers a ``file_id``;
- ``POST /crm/bulk/{v}/write`` creates an import of an uploaded file; rows with a
  value containing ``FAIL`` are skipped; a file whose rows all fail ends FAILED, an
  empty one SKIPPED; the result file lists each row's STATUS, RECORD_ID, ERRORS;
- every error the specs document for bad input, in Zoho's shape; 429 past
  ``requests_per_window``; fault injection comes from ``SandboxServer``.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import zipfile
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from jobadapter.sandbox import DemoRequest, SimClock
from jobadapter_zoho_common.sim_state import Grant
from jobadapter_zoho_common.simulator import REFRESH_TOKEN, ZohoSimulatorBase, error_at
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from jobadapter_zoho_bulk.requests import BulkReadRequest, BulkWriteRequest
from jobadapter_zoho_bulk.sim_jobs import ReadJob, WriteJob
from jobadapter_zoho_bulk.zipcsv import csv_member, rows_of

#: The org id the simulator's content host expects in ``X-CRM-ORG``.
ORG_ID = "4150868000000000001"
#: Granted read scopes only: creating an export works, uploads and imports are refused.
READ_ONLY_REFRESH_TOKEN = "sandbox-refresh-token-bulk-read-only"  # noqa: S105
MODULES = ("Leads", "Contacts", "Accounts", "Deals", "Products", "Tasks", "Events")
DEFAULT_RECORDS = 50


class ZohoBulkSimulator(ZohoSimulatorBase):
    """Zoho CRM's bulk read and bulk write APIs and the content host, in simulated time."""

    name: ClassVar[str] = "zoho_bulk"

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        seed: int = 0,
        schedule_delay: float = 2.0,
        rows_per_second: float = 20.0,
        per_page: int = 200,
        requests_per_window: int | None = 100,
        window_seconds: float = 60.0,
        token_ttl: float = 3600.0,
    ) -> None:
        if schedule_delay < 0 or rows_per_second <= 0 or per_page < 1:
            raise ValueError("schedule_delay >= 0, rows_per_second > 0 and per_page >= 1")
        super().__init__(
            clock=clock,
            seed=seed,
            token_ttl=token_ttl,
            requests_per_window=requests_per_window,
            window_seconds=window_seconds,
        )
        self.schedule_delay = schedule_delay
        self.rows_per_second = rows_per_second
        self.per_page = per_page
        self.records: dict[str, int] = {}
        self.reads: dict[str, ReadJob] = {}
        self.writes: dict[str, WriteJob] = {}
        #: file_id -> (file name, rows) of every upload received.
        self.files: dict[str, tuple[str, list[dict[str, str]]]] = {}
        #: (headers, body) of every upload, for tests to inspect.
        self.uploads: list[tuple[dict[str, str], bytes]] = []
        # Distinct seeds give distinct ids, so runs sharing one store never collide.
        self._ids = itertools.count(4150868000000600001 + seed * 10**6, 1000)

    # -- set-up for tests and the demo ---------------------------------------------------

    def granted_scopes(self) -> dict[str, tuple[str, ...]]:
        return {
            REFRESH_TOKEN: ("ZohoCRM.bulk.ALL", "ZohoCRM.modules.ALL", "ZohoCRM.files.CREATE"),
            READ_ONLY_REFRESH_TOKEN: ("ZohoCRM.bulk.read", "ZohoCRM.modules.ALL"),
        }

    def add_records(self, module: str, count: int) -> None:
        """``module`` holds ``count`` records (what an export of it reads)."""
        if count < 0:
            raise ValueError("count must be >= 0")
        self.records[module] = count

    @property
    def content_url(self) -> str | None:
        """This simulator under another host name (``localhost`` for ``127.0.0.1``)."""
        if self.base_url is None:
            return None
        parts = urlsplit(self.base_url)
        other = "localhost" if parts.hostname in ("127.0.0.1", "::1") else "127.0.0.1"
        netloc = f"{other}:{parts.port}" if parts.port else other
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def profile(self) -> dict[str, Any]:
        return {**super().profile(), "content_url": self.content_url, "org_id": ORG_ID}

    def demo_requests(self) -> list[DemoRequest]:
        """An export of 250 leads over two pages, and an import of 40 contacts (3 fail)."""
        self.add_records("Leads", 250)
        rows = [
            {"Last_Name": f"Demo {n}", "Email": f"FAIL-{n}" if n % 13 == 5 else f"d{n}@x.invalid"}
            for n in range(40)
        ]
        return [
            DemoRequest(
                "zoho.bulk_read",
                BulkReadRequest("Leads", fields=("Last_Name", "Email")),
                "export 250 leads (page 1 of 2)",
            ),
            DemoRequest(
                "zoho.bulk_write",
                BulkWriteRequest("Contacts", "insert", rows=tuple(rows)),
                "import 40 contacts (3 fail)",
            ),
        ]

    # -- routing -------------------------------------------------------------------------

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/crm/bulk/<version>/read", endpoint="read_create", methods=["POST"]),
            Rule("/crm/bulk/<version>/read/<job_id>", endpoint="read_job", methods=["GET"]),
            Rule("/crm/bulk/<version>/read/<job_id>/result", endpoint="read_result"),
            Rule("/crm/<version>/upload", endpoint="upload", methods=["POST"]),
            Rule("/crm/bulk/<version>/write", endpoint="write_create", methods=["POST"]),
            Rule("/crm/bulk/<version>/write/<job_id>", endpoint="write_job", methods=["GET"]),
            Rule("/crm/bulk/<version>/write/<job_id>/result", endpoint="write_result"),
        ]

    def _admit(self, request: Request, scope: str) -> Response | None:
        """The rate window, the token and its scope, in Zoho's order."""
        limited = self.over_limit()
        if limited is not None:
            return limited
        grant = self.grant(request)
        if isinstance(grant, Response):
            return grant
        return self._refusal(grant, scope)

    def _refusal(self, grant: Grant, scope: str) -> Response | None:
        held = {s.lower() for s in grant.scopes}
        wanted = {scope.lower(), "zohocrm.bulk.all"}
        if scope.lower().startswith("zohocrm.files"):
            wanted = {scope.lower(), "zohocrm.files.all"}
        if held & wanted:
            return None
        return self.zoho_error(
            401, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL"
        )

    def _body(self, request: Request) -> dict[str, Any] | Response:
        raw = request.get_data()
        if not raw.strip():
            return self.zoho_error(400, "REQUEST_BODY_IS_EMPTY", "the request body is empty")
        try:
            body = json.loads(raw)
        except ValueError:
            return self.zoho_error(400, "REQUEST_BODY_NOT_READABLE", "body is not valid JSON")
        if not isinstance(body, dict):
            return self.zoho_error(400, "INVALID_REQUEST", "body is not a JSON object")
        return body

    def _module(self, value: Any) -> str | None:
        name = value.get("api_name") if isinstance(value, Mapping) else value
        if not isinstance(name, str):
            return None
        return next((m for m in MODULES if m.lower() == name.lower()), None)

    def _now_text(self) -> str:
        return self.clock.utcnow().replace(microsecond=0).astimezone(dt.timezone.utc).isoformat()

    # -- bulk read -----------------------------------------------------------------------

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
            job_id = str(next(self._ids))
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
        url = self.url(f"/crm/bulk/{version}/read/{job_id}/result")
        snapshot = job.snapshot(
            self.clock.now(), delay=self.schedule_delay, rate=self.rows_per_second, url=url
        )
        return self.json_response({"data": [snapshot]})

    def on_read_result(self, request: Request, version: str, job_id: str) -> Response:
        refused = self._admit(request, "ZohoCRM.bulk.read")
        if refused is not None:
            return refused
        job = self.reads.get(job_id)
        url = self.url(f"/crm/bulk/{version}/read/{job_id}/result")
        if (
            job is None
            or job.snapshot(
                self.clock.now(), delay=self.schedule_delay, rate=self.rows_per_second, url=url
            )["state"]
            != "COMPLETED"
        ):
            return self._no_resource(400)
        return _zip_response(job.result_zip(), f"{job_id}.zip")

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
            file_id = str(next(self._ids))
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
            job_id = str(next(self._ids))
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
        return self.json_response(self._write_snapshot(job, version))

    def on_write_result(self, request: Request, version: str, job_id: str) -> Response:
        refused = self._admit(request, "ZohoCRM.bulk.write")
        if refused is not None:
            return refused
        job = self.writes.get(job_id)
        if job is None or "result" not in self._write_snapshot(job, version):
            return self._no_resource(400)
        return _zip_response(job.result_zip(int(job_id) + 1), f"{job_id}.zip")

    def _write_snapshot(self, job: WriteJob, version: str) -> dict[str, Any]:
        url = self.url(f"/crm/bulk/{version}/write/{job.id}/result")
        return job.snapshot(
            self.clock.now(), delay=self.schedule_delay, rate=self.rows_per_second, url=url
        )

    # -- shared answers ------------------------------------------------------------------

    @staticmethod
    def _user() -> Mapping[str, str]:
        from jobadapter_zoho_bulk.sim_jobs import USER

        return USER

    def _callback_error(self, body: Mapping[str, Any]) -> Response | None:
        callback = body.get("callback")
        if callback is None:
            return None
        if not isinstance(callback, dict) or not str(callback.get("url", "")).startswith("http"):
            return self.zoho_error(400, "INVALID_CALLBACK_URL", "invalid callback url")
        if callback.get("method") != "post":
            return self.zoho_error(
                400,
                "INVALID_CALLBACK_METHOD",
                "invalid callback method",
                {"supported_callback_methods": ["post"]},
            )
        return None

    def _no_resource(self, status: int) -> Response:
        return self.zoho_error(
            status,
            "RESOURCE_NOT_FOUND",
            "The requested resource doesn't exist.",
            {"resource": "job_id"},
        )


def _zip_response(data: bytes, name: str) -> Response:
    return Response(
        data,
        200,
        {"Content-Type": "application/zip", "Content-Disposition": f"attachment; filename={name}"},
    )
