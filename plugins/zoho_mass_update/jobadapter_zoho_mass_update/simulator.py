"""A local Zoho CRM: accounts token endpoint and ``actions/mass_update``, as documented.

What it does, so tests and the demo can rely on it:

- ``POST /oauth/v2/token`` (refresh-token grant; form or query fields): the
  demo credentials below get a token and an ``api_domain`` naming this
  simulator; a wrong grant, client or refresh token gets Zoho's 200-with-``error``
  answer (``invalid_code`` for a bad refresh token). ``expires_in`` is in
  seconds, or in ms next to ``expires_in_sec`` with ``expires_in_ms=True``.
- ``/crm/{version}/{module}/actions/mass_update``: ``POST`` with ``cvid``
  schedules a job (ALREADY_SCHEDULED while one runs for that view), with
  ``ids`` updates at once; ``GET ?job_id=`` reports SCHEDULED for
  ``schedule_delay`` simulated seconds, then RUNNING at ``records_per_second``
  with counts that move, then COMPLETED (FAILED when every record failed).
- Records marked to fail: a field value containing ``FAIL`` fails every
  record; an id containing ``FAIL`` (or not all digits) fails that record; a
  view added with ``add_view(cvid, records, failing)`` fails ``failing`` of them.
- Every documented error for bad input, in Zoho's body shape; 429
  ``TOO_MANY_REQUESTS`` past ``requests_per_window`` per ``window_seconds``;
  ``expire_tokens()`` to expire every token mid-poll.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from jobadapter.sandbox import DemoRequest
from jobadapter_zoho_common.sim_state import Grant
from jobadapter_zoho_common.simulator import (
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    ZohoSimOptions,
    ZohoSimulatorBase,
    error_at,
)
from typing_extensions import Unpack
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from jobadapter_zoho_mass_update.request import MassUpdateRequest
from jobadapter_zoho_mass_update.sim_jobs import SimJob, View

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN", "ZohoMassUpdateSimulator"]

#: Granted only module access, no mass update scope: every call is OAUTH_SCOPE_MISMATCH.
NO_SCOPE_REFRESH_TOKEN = "sandbox-refresh-token-no-mass-update-scope"  # noqa: S105
#: Granted ZohoCRM.mass_update.READ only: status calls work, submits are refused.
READ_ONLY_REFRESH_TOKEN = "sandbox-refresh-token-read-only"  # noqa: S105

#: Module API names mass update supports (matched without regard to case).
MODULES = (
    "Leads", "Accounts", "Contacts", "Deals", "Campaigns", "Tasks", "Events", "Calls",
    "Solutions", "Products", "Vendors", "Price_Books", "Quotes", "Sales_Orders",
    "Purchase_Orders", "Invoices", "CustomModule1",
)  # fmt: skip
#: Modules that exist but that the API does not support.
UNSUPPORTED_MODULES = ("Documents", "Projects")
#: Fields Zoho refuses in a mass update.
NOT_MASS_UPDATABLE = frozenset({"Email", "Layout", "Description"})
#: A custom view's record count when it was not added with ``add_view``.
DEFAULT_VIEW_RECORDS = 50
MAX_IDS = 500
MAX_VIEW_RECORDS = 50_000
_VERSION = re.compile(r"^v(\d+)(?:\.\d+)?$")
_USER = {"name": "Sandbox User", "id": "5000000000000000001"}


class ZohoMassUpdateSimulator(ZohoSimulatorBase):
    """Zoho CRM's mass update API and accounts server, on loopback, in simulated time."""

    name: ClassVar[str] = "zoho_mass_update"

    first_job_id: ClassVar[int] = 554023000000506003

    def __init__(
        self,
        *,
        records_per_second: float = 10.0,
        single_object_answers: bool = False,
        not_found_as_204: bool = False,
        **options: Unpack[ZohoSimOptions],
    ) -> None:
        """Its own knobs here; the rest (clock, seed, schedule_delay, rate window,
        token_ttl, expires_in_ms) are every Zoho simulator's."""
        if records_per_second <= 0:
            raise ValueError("records_per_second must be > 0")
        super().__init__(**options)
        self.records_per_second = records_per_second
        self.single_object_answers = single_object_answers
        self.not_found_as_204 = not_found_as_204
        self.modules: dict[str, str] = {m.lower(): m for m in MODULES}
        self.views: dict[str, View] = {}
        #: Modules whose calls answer 403 NO_PERMISSION / 400 AUTHORIZATION_FAILED.
        self.no_permission: set[str] = set()
        self.unprivileged: set[str] = set()
        #: (module, JSON body) of every mass update POST received, for tests to inspect.
        self.received: list[tuple[str, Any]] = []
        self.jobs: dict[str, SimJob] = {}
        self._lock = threading.Lock()

    # -- set-up for tests and the demo ------------------------------------------------

    def add_view(self, cvid: str, records: int, failing: int = 0) -> None:
        """A custom view of ``records`` records, ``failing`` of which fail to update."""
        if records < 0 or not 0 <= failing <= records:
            raise ValueError("need records >= 0 and 0 <= failing <= records")
        self.views[str(cvid)] = View(records, failing)

    def granted_scopes(self) -> dict[str, tuple[str, ...]]:
        return {
            REFRESH_TOKEN: ("ZohoCRM.mass_update.ALL", "ZohoCRM.modules.ALL"),
            NO_SCOPE_REFRESH_TOKEN: ("ZohoCRM.modules.ALL",),
            READ_ONLY_REFRESH_TOKEN: ("ZohoCRM.mass_update.READ",),
        }

    def status_of(self, job_id: str) -> dict[str, object]:
        """A job's status answer record as of now (what ``GET`` would say)."""
        return self.jobs[job_id].snapshot(
            self.clock.now(), delay=self.schedule_delay, rate=self.records_per_second
        )

    def demo_requests(self) -> list[DemoRequest]:
        """A scheduled mass update of a 240-lead custom view, 6 of whose records fail."""
        cvid = "4150868000000087501"
        self.add_view(cvid, records=240, failing=6)
        request = MassUpdateRequest(module="Leads", data={"Lead_Status": "Contacted"}, cvid=cvid)
        return [
            DemoRequest("zoho.mass_update", request, "mark 240 leads Contacted (6 fail)"),
        ]

    def api_rules(self) -> list[Rule]:
        return [Rule("/crm/<version>/<module>/actions/mass_update", endpoint="mass_update")]

    def _data(self, entries: list[dict[str, Any]]) -> dict[str, Any]:
        if self.single_object_answers and len(entries) == 1:
            return {"data": entries[0]}
        return {"data": entries}

    # -- CRM API --------------------------------------------------------------------------

    def on_mass_update(self, request: Request, version: str, module: str) -> Response:
        grant = self.admitted(request)
        if isinstance(grant, Response):
            return grant
        match = _VERSION.match(version)
        if match is None or int(match.group(1)) < 2:
            return self.not_found(request)
        if request.method not in ("GET", "POST"):
            return self.zoho_error(
                400, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one"
            )
        name = self.modules.get(module.lower())
        if name is None:
            supported = module.lower() not in {m.lower() for m in UNSUPPORTED_MODULES}
            message = (
                "the module name given seems to be invalid"
                if supported
                else "The given module is not supported in API"
            )
            return self.zoho_error(400, "INVALID_MODULE", message, {"resource_path_index": 2})
        refused = self._refusal(grant, name, "READ" if request.method == "GET" else "UPDATE")
        if refused is not None:
            return refused
        return (
            self._status(request, name) if request.method == "GET" else self._submit(request, name)
        )

    def _refusal(self, grant: Grant, module: str, operation: str) -> Response | None:
        wanted = {
            "zohocrm.mass_update.all",
            f"zohocrm.mass_update.{operation}".lower(),
            f"zohocrm.mass_update.{module}.all".lower(),
            f"zohocrm.mass_update.{module}.{operation}".lower(),
        }
        if not wanted & {scope.lower() for scope in grant.scopes}:
            return self.zoho_error(401, "OAUTH_SCOPE_MISMATCH", "Unauthorized")
        if module in self.no_permission:
            return self.zoho_error(
                403,
                "NO_PERMISSION",
                "permission denied",
                {"permissions": ["Crm_Implied_Mass_Update"]},
            )
        if module in self.unprivileged:
            verb = "read records" if operation == "READ" else "schedule mass update"
            return self.zoho_error(
                400, "AUTHORIZATION_FAILED", f"User does not have sufficient privilege to {verb}"
            )
        return None

    # -- GET: status -------------------------------------------------------------------------

    def _status(self, request: Request, module: str) -> Response:
        job_id = request.args.get("job_id")
        if not job_id:
            return self.zoho_error(
                400, "MANDATORY_NOT_FOUND", "mandatory param missing", {"param_name": "job_id"}
            )
        if not job_id.isdigit():
            return self.zoho_error(
                400, "INVALID_DATA", "The jobid given seems to be invalid", {"param_name": "job_id"}
            )
        job = self.jobs.get(job_id)
        if job is None or job.module != module:
            if self.not_found_as_204:
                return Response(status=204)
            return self.zoho_error(404, "NOT_FOUND", "Empty response")
        return self.json_response(self._data([self.status_of(job_id)]))

    # -- POST: submit ------------------------------------------------------------------------

    def _submit(self, request: Request, module: str) -> Response:
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self.zoho_error(
                400, "INVALID_DATA", "body is not a JSON object", error_at("body")
            )
        with self._lock:
            self.received.append((module, body))
        problem = self._check_body(body, module)
        if problem is not None:
            return problem
        record = body["data"][0]
        fail_all = any("FAIL" in json.dumps(value) for value in record.values())
        if body.get("ids") is not None:
            return self._by_ids(body["ids"], record, fail_all)
        return self._schedule(module, body, fail_all)

    def _check_body(self, body: Mapping[str, Any], module: str) -> Response | None:
        data = body.get("data")
        if data is None:
            return self.zoho_error(
                400, "MANDATORY_NOT_FOUND", "required field not found", error_at("data")
            )
        if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], dict):
            return self.zoho_error(400, "INVALID_DATA", "invalid data", error_at("data"))
        record = data[0]
        if not record:
            return self.zoho_error(400, "INVALID_DATA", "No field found", error_at("data"))
        limit = 3 if module == "Deals" else 1
        if len(record) > limit:
            return self.zoho_error(
                400, "INVALID_DATA", "Max field limit exceeded", error_at("data")
            )
        for field in record:
            if field in NOT_MASS_UPDATABLE:
                return self.zoho_error(
                    400,
                    "INVALID_DATA",
                    "This field cannot be updated in the Mass Update",
                    {"api_name": field, "json_path": f"$.data[0].{field}"},
                )
        cvid, ids, territory = body.get("cvid"), body.get("ids"), body.get("territory")
        if cvid is None and ids is None:
            return self.zoho_error(
                400, "MANDATORY_NOT_FOUND", "required field not found", error_at("cvid")
            )
        if cvid is not None and ids is not None:
            return self.zoho_error(
                400, "INVALID_DATA", "give either cvid or ids, not both", error_at("ids")
            )
        if territory is not None and cvid is None:
            return self.zoho_error(
                400, "MANDATORY_NOT_FOUND", "required field not found", error_at("cvid")
            )
        if "over_write" in body and not isinstance(body["over_write"], bool):
            return self.zoho_error(400, "INVALID_DATA", "invalid data type", error_at("over_write"))
        return None

    def _by_ids(self, ids: Any, record: Mapping[str, Any], fail_all: bool) -> Response:
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            return self.zoho_error(400, "INVALID_DATA", "invalid data type", error_at("ids"))
        if not ids:
            return self.zoho_error(
                400, "MANDATORY_NOT_FOUND", "required field not found", error_at("ids")
            )
        if len(ids) > MAX_IDS:
            return self.zoho_error(
                400, "LIMIT_EXCEEDED", "Record count exceeded", {"limit": MAX_IDS}
            )
        now = self.clock.utcnow()
        field = next(iter(record))
        entries = []
        for record_id in ids:
            if "FAIL" in record_id or not record_id.isdigit():
                entries.append(_record_error("the id given seems to be invalid", {"id": record_id}))
            elif fail_all:
                details = {"id": record_id, "api_name": field, "json_path": f"$.data[0].{field}"}
                entries.append(_record_error("invalid data", details))
            else:
                entries.append(_record_done(record_id, now))
        updated = any(entry["status"] == "success" for entry in entries)
        return self.json_response(self._data(entries), 200 if updated else 400)

    def _schedule(self, module: str, body: Mapping[str, Any], fail_all: bool) -> Response:
        cvid = body["cvid"]
        if not isinstance(cvid, str) or not cvid.isdigit():
            return self.zoho_error(
                400, "INVALID_DATA", "the id given seems to be invalid", error_at("cvid")
            )
        territory = body.get("territory")
        if territory is not None and not (
            isinstance(territory, dict)
            and isinstance(territory.get("id"), str)
            and territory["id"].isdigit()
            and isinstance(territory.get("include_child", False), bool)
        ):
            return self.zoho_error(
                400, "INVALID_DATA", "the id given seems to be invalid", error_at("territory")
            )
        view = self.views.get(cvid, View(DEFAULT_VIEW_RECORDS))
        if view.records == 0:
            return self.zoho_error(400, "NO_RECORDS_FOUND", "no record found to update")
        if view.records > MAX_VIEW_RECORDS:
            return self.zoho_error(
                400, "LIMIT_EXCEEDED", "Record count exceeded", {"limit": MAX_VIEW_RECORDS}
            )
        with self._lock:
            now = self.clock.now()
            for job in self.jobs.values():
                if job.module == module and job.cvid == cvid and self._running(job, now):
                    entry = {
                        "code": "ALREADY_SCHEDULED",
                        "details": {},
                        "message": "Already a Mass Action scheduler is running for the given cvid",
                        "status": "error",
                    }
                    return self.json_response(self._data([entry]), 202)
            job_id = self.new_job_id()
            failing = view.records if fail_all else view.failing
            self.jobs[job_id] = SimJob(job_id, module, cvid, view.records, failing, now)
        entry = {
            "code": "SUCCESS",
            "details": {"job_id": job_id},
            "message": "mass update scheduled successfully",
            "status": "success",
        }
        return self.json_response(self._data([entry]))

    def _running(self, job: SimJob, now: float) -> bool:
        state = job.snapshot(now, delay=self.schedule_delay, rate=self.records_per_second)
        return state["Status"] in ("SCHEDULED", "RUNNING")


def _record_error(message: str, details: Mapping[str, Any]) -> dict[str, Any]:
    return {"code": "INVALID_DATA", "details": dict(details), "message": message, "status": "error"}


def _record_done(record_id: str, now: dt.datetime) -> dict[str, Any]:
    created = now - dt.timedelta(days=30)
    return {
        "code": "SUCCESS",
        "details": {
            "Modified_Time": now.isoformat(timespec="seconds"),
            "Modified_By": dict(_USER),
            "Created_Time": created.isoformat(timespec="seconds"),
            "id": record_id,
            "Created_By": dict(_USER),
        },
        "message": "record updated",
        "status": "success",
    }
