"""The ``zoho.mass_update`` adapter: Zoho CRM ``actions/mass_update`` as one Job shape.

Two submit modes, one result type: a custom-view update (``cvid``) is a Zoho
job, returned PENDING and polled with ``get``; an ids update is applied at
once, so submit returns a Job that is already terminal, with the per-record
outcome as counts and errors. Job ids carry their module (``Leads:<job id>``)
because Zoho's status endpoint needs it and its answer does not name it
(see :mod:`jobadapter_zoho_mass_update.jobids`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from jobadapter.errors import InvalidRequest, NotFound, NotSupported, ProviderResponseError
from jobadapter.model import Counts, Job, JobError
from jobadapter.parsing import optional_str, parse_timestamp
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable
from jobadapter.urls import path_segment
from jobadapter_zoho_common.adapter import ZohoAdapter
from jobadapter_zoho_common.answers import entries as _entries
from jobadapter_zoho_common.errors import error_entry
from jobadapter_zoho_common.provider import json_body, zoho_error

import jobadapter_zoho_mass_update.jobids as jobids
from jobadapter_zoho_mass_update.options import request_from_options
from jobadapter_zoho_mass_update.request import MassUpdateRequest

if TYPE_CHECKING:
    from jobadapter.connection import Connection
    from jobadapter.transport import Response

OPERATION = "mass_update"

#: Every status word Zoho documents for a mass update job.
DOCUMENTED_STATUSES = ("SCHEDULED", "RUNNING", "COMPLETED", "FAILED")

#: At most this many per-record errors are kept on an ids-mode Job (Zoho caps ids at 500).
MAX_RECORD_ERRORS = 500


def _record_id(entry: Mapping[str, Any]) -> str | None:
    details = entry.get("details")
    value = details.get("id") if isinstance(details, Mapping) else None
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def per_record(payload: Any) -> bool:
    """True when ``payload`` is an ids-mode answer: every entry names the record it is about."""
    if not isinstance(payload, Mapping):
        return False
    entries = _entries(payload)
    return bool(entries) and all(
        isinstance(e, Mapping) and isinstance(e.get("status"), str) and _record_id(e) is not None
        for e in entries
    )


def _module_of(job_id: str | None) -> str | None:
    """The module a job id names, if it names one (``parse`` must not raise on ids)."""
    if not job_id:
        return None
    try:
        return jobids.split(job_id)[0]
    except InvalidRequest:
        return None


class MassUpdateAdapter(ZohoAdapter):
    """Zoho CRM mass update: a custom view's records as a job, or up to 500 ids at once."""

    name: ClassVar[str] = "zoho.mass_update"
    description: ClassVar[str] = (
        "Zoho CRM mass update: set fields on a custom view's records (scheduled job) "
        "or on up to 500 records by id (applied at once)"
    )
    statuses: ClassVar[StatusTable] = StatusTable(
        {
            JobStatus.PENDING: ("SCHEDULED",),
            JobStatus.RUNNING: ("RUNNING",),
            JobStatus.SUCCEEDED: ("COMPLETED",),
            JobStatus.FAILED: ("FAILED",),
        },
        owner="zoho.mass_update",
    )
    capabilities: ClassVar[frozenset[str]] = frozenset({"submit", "get"})
    unsupported_hints: ClassVar[Mapping[str, str]] = {
        "cancel": "Zoho CRM documents no way to stop a mass update once it is scheduled"
    }
    poll_interval: ClassVar[tuple[float, float]] = (2.0, 60.0)
    documented_statuses: ClassVar[tuple[str, ...]] = DOCUMENTED_STATUSES

    # -- the pure half -------------------------------------------------------------

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        """A status answer (``GET ...?job_id=``) as a Job; ``job_id`` is required (the
        answer has none) and its ``<Module>:`` prefix, when present, becomes the target."""
        return self._status_job(payload, job_id, _module_of(job_id))

    def _status_job(self, payload: Any, job_id: str | None, target: str | None) -> Job:
        record = self._status_record(payload)
        word = record.get("Status")
        updated = self.count(record, "Updated_Count")
        failed = self.count(record, "Failed_Count")
        total = self.count(record, "Total_Count")
        not_updated = self.count(record, "Not_Updated_Count")
        if total is None and None not in (updated, failed, not_updated):
            total = (updated or 0) + (failed or 0) + (not_updated or 0)
        processed = None if updated is None and failed is None else (updated or 0) + (failed or 0)
        return Job(
            adapter=self.name,
            id=self.job_id_from(None, job_id, "job_id"),
            status=self.status_of(word),
            native_status=word,
            operation=OPERATION,
            target=target,
            counts=Counts(total=total, processed=processed, succeeded=updated, failed=failed),
            raw=payload,
        )

    def _status_record(self, payload: Any) -> Mapping[str, Any]:
        body = self.require_mapping(payload)
        error = error_entry(body)
        if error is not None:
            raise self.malformed(
                f"the answer is a Zoho error ({error.get('code')}: {str(error.get('message'))[:100]})"
            )
        entries = _entries(body)
        if not entries and "Status" in body:
            return body  # tolerate an unwrapped record
        if not entries:
            raise self.malformed("no 'data' with the job's status in the answer")
        return self.require_mapping(entries[0], "data[0]")

    def parse_scheduled(self, payload: Any, *, module: str) -> Job:
        """The answer to a custom-view submit (``details.job_id``) as a PENDING Job."""
        return self._total(lambda: self._scheduled(payload, module))

    def _scheduled(self, payload: Any, module: str) -> Job:
        entries = _entries(self.require_mapping(payload))
        if not entries:
            raise self.malformed("no 'data' in the mass update answer")
        entry = self.require_mapping(entries[0], "data[0]")
        details = entry.get("details")
        native = details.get("job_id") if isinstance(details, Mapping) else None
        if native is None:
            raise self.malformed("the mass update answer has no details.job_id")
        return Job(
            adapter=self.name,
            id=jobids.compose(module, self.job_id_from(native, None, "details.job_id")),
            status=JobStatus.PENDING,
            operation=OPERATION,
            target=module,
            raw=payload,
        )

    def parse_immediate(
        self, payload: Any, *, module: str, job_id: str, requested: int | None = None
    ) -> Job:
        """The answer to an ids submit as a terminal Job: SUCCEEDED when any record was
        updated (failed ones counted and listed in ``errors``), FAILED when none was."""
        return self._total(lambda: self._immediate(payload, module, job_id, requested))

    def _immediate(self, payload: Any, module: str, job_id: str, requested: int | None) -> Job:
        entries = [
            self.require_mapping(e, "a data entry") for e in _entries(self.require_mapping(payload))
        ]
        if not entries:
            raise self.malformed("no per-record results in 'data'")
        done: list[Mapping[str, Any]] = []
        failures: list[Mapping[str, Any]] = []
        for entry in entries:
            (done if str(entry.get("status", "")).lower() == "success" else failures).append(entry)
        times = [t for t in (self._modified(e) for e in done) if t is not None]
        errors = tuple(self._record_error(e) for e in failures[:MAX_RECORD_ERRORS])
        return Job(
            adapter=self.name,
            id=job_id,
            status=JobStatus.SUCCEEDED if done else JobStatus.FAILED,
            operation=OPERATION,
            target=module,
            counts=Counts(
                total=max(requested or 0, len(entries)),
                processed=len(entries),
                succeeded=len(done),
                failed=len(failures),
            ),
            started_at=min(times, default=None),
            ended_at=max(times, default=None),
            updated_at=max(times, default=None),
            submitted_by=self._modifier(done),
            errors=errors,
            raw=payload,
        )

    def _modified(self, entry: Mapping[str, Any]) -> dt.datetime | None:
        details = entry.get("details")
        if not isinstance(details, Mapping):
            return None
        return parse_timestamp(details.get("Modified_Time"), tz=self.timezone, name="Modified_Time")

    @staticmethod
    def _modifier(entries: Iterable[Mapping[str, Any]]) -> str | None:
        for entry in entries:
            details = entry.get("details")
            user = details.get("Modified_By") if isinstance(details, Mapping) else None
            if isinstance(user, Mapping):
                return optional_str(user.get("name") or user.get("id"), name="Modified_By")
        return None

    @staticmethod
    def _record_error(entry: Mapping[str, Any]) -> JobError:
        record = _record_id(entry) or "?"
        message = optional_str(entry.get("message"), name="message") or "not updated"
        details = entry.get("details")
        field = details.get("api_name") if isinstance(details, Mapping) else None
        where = f" (field {field})" if isinstance(field, str) else ""
        code = entry.get("code")
        return JobError(
            code=str(code) if code is not None else None,
            message=f"record {record}: {message}{where}",
        )

    def _total(self, build: Callable[[], Job]) -> Job:
        """Run ``build`` the way ``parse`` runs ``build_job``: a Job or a ProviderResponseError."""
        try:
            return build()
        except ProviderResponseError as exc:
            exc.adapter = exc.adapter or self.name
            raise
        except RecursionError:
            raise self.malformed("answer is nested too deeply") from None
        except Exception as exc:  # noqa: BLE001 - total by contract, like Adapter.parse
            raise self.malformed(f"{type(exc).__name__}: {exc}") from None

    # -- the I/O half --------------------------------------------------------------

    def request_from_options(self, options: Mapping[str, Any]) -> MassUpdateRequest:
        return request_from_options(options)

    def submit(self, conn: Connection, request: Any) -> Job:
        """POST the update: a PENDING Job for a custom view, a terminal Job for ids."""
        settings = self.settings(conn.profile)
        req = self._coerce(request).with_module(settings.module)
        module = str(req.module)
        path = self._path(settings.api_version, module)
        response = conn.request("POST", path, json=req.body(), adapter=self.name, check=False)
        if req.ids is not None:
            return self._applied(conn, response, module, requested=len(req.ids))
        return self._scheduled_from(conn, response, module)

    def _applied(self, conn: Connection, response: Response, module: str, *, requested: int) -> Job:
        """An ids update's answer. Zoho answers HTTP 400 when every record failed: that is
        a FAILED Job with the per-record errors, not an exception."""
        payload = json_body(response)
        if response.ok or not per_record(payload):
            conn.provider.check(response, adapter=self.name)
        if payload is None:
            response.json()  # raises the precise ProviderResponseError
        job_id = jobids.new_immediate_id(module)
        return self.parse_immediate(payload, module=module, job_id=job_id, requested=requested)

    def _scheduled_from(self, conn: Connection, response: Response, module: str) -> Job:
        """A custom-view update's answer: the job id, or an error entry inside ``data``."""
        conn.provider.check(response, adapter=self.name)
        payload = json_body(response)
        entries = _entries(payload) if isinstance(payload, Mapping) else []
        error = error_entry(entries[0], wrapped=False) if entries else None
        if error is not None:  # e.g. ALREADY_SCHEDULED, which Zoho answers with HTTP 202
            raise zoho_error(conn.provider, response, error, adapter=self.name)
        if payload is None:
            response.json()
        return self.parse_scheduled(payload, module=module)

    def get(self, conn: Connection, job_id: str) -> Job:
        """The job's status; ``job_id`` as submit returned it (or bare, with a profile module)."""
        settings = self.settings(conn.profile)
        module, native = jobids.resolve(job_id, settings.module)
        response = conn.request(
            "GET",
            self._path(settings.api_version, module),
            query={"job_id": native},
            adapter=self.name,
        )
        if response.status == 204 or not response.data.strip():
            raise NotFound(
                f"Zoho answered nothing for mass update job {native} in {module}: no such job "
                "in this module; check the id and the module",
                status=response.status,
                adapter=self.name,
                method=response.method,
                url=response.url,
            )
        payload = response.json()
        # The module is known here: no second split of the id, no second Job.
        return self._total(lambda: self._status_job(payload, job_id, module))

    def cancel(self, conn: Connection, job_id: str) -> Job:
        raise NotSupported(self.name, "cancel", self.unsupported_hints["cancel"])

    # -- helpers ---------------------------------------------------------------------

    @staticmethod
    def _path(version: str, module: str) -> str:
        return f"/crm/{version}/{path_segment(module, what='module')}/actions/mass_update"

    @staticmethod
    def _coerce(request: Any) -> MassUpdateRequest:
        if isinstance(request, MassUpdateRequest):
            return request
        if isinstance(request, Mapping):
            return MassUpdateRequest.from_mapping(request)
        raise InvalidRequest(
            f"zoho.mass_update submits a MassUpdateRequest or a mapping, not {type(request).__name__}"
        )
