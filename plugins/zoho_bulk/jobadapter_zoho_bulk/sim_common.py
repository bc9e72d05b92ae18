"""What every route of the Zoho bulk simulator shares: the scope check in Zoho's
order, the body and module checks, and Zoho's answers for a missing job or a bad
callback. The routes themselves live in :mod:`~jobadapter_zoho_bulk.sim_read` and
:mod:`~jobadapter_zoho_bulk.sim_write`; :class:`~jobadapter_zoho_bulk.simulator.ZohoBulkSimulator`
puts them together."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from jobadapter_zoho_common.sim_state import Grant
from jobadapter_zoho_common.simulator import ZohoSimulatorBase
from werkzeug.wrappers import Request, Response

from jobadapter_zoho_bulk.sim_jobs import USER, ReadJob, WriteJob

#: The org id the simulator's content host expects in ``X-CRM-ORG``.
ORG_ID = "4150868000000000001"
MODULES = ("Leads", "Contacts", "Accounts", "Deals", "Products", "Tasks", "Events")
DEFAULT_RECORDS = 50


class BulkSimulatorBase(ZohoSimulatorBase):
    """The bulk simulator's state and the checks every route makes first."""

    rows_per_second: float
    per_page: int
    records: dict[str, int]
    reads: dict[str, ReadJob]
    writes: dict[str, WriteJob]
    #: file_id -> (file name, rows) of every upload received.
    files: dict[str, tuple[str, list[dict[str, str]]]]
    #: (headers, body) of every upload, for tests to inspect.
    uploads: list[tuple[dict[str, str], bytes]]

    def _admit(self, request: Request, scope: str) -> Response | None:
        """The rate window, the token and its scope, in Zoho's order."""
        grant = self.admitted(request)
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

    @staticmethod
    def _user() -> Mapping[str, str]:
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

    def _snapshot(self, job: ReadJob | WriteJob, kind: str, version: str) -> dict[str, Any]:
        """The job as its status answer shows it now (``kind``: read or write)."""
        url = self.url(f"/crm/bulk/{version}/{kind}/{job.id}/result")
        return job.snapshot(
            self.clock.now(), delay=self.schedule_delay, rate=self.rows_per_second, url=url
        )

    def _no_resource(self, status: int) -> Response:
        return self.zoho_error(
            status,
            "RESOURCE_NOT_FOUND",
            "The requested resource doesn't exist.",
            {"resource": "job_id"},
        )


def zip_response(data: bytes, name: str) -> Response:
    return Response(
        data,
        200,
        {"Content-Type": "application/zip", "Content-Disposition": f"attachment; filename={name}"},
    )
