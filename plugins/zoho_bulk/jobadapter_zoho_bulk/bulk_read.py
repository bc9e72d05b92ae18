"""The ``zoho.bulk_read`` adapter: a Zoho CRM export job (``/crm/bulk/v8/read``).

Submit creates the job (module, fields, criteria, page); ``get`` reads its
``state``; ``results`` streams the rows of its zipped CSV. One job is one
page: when the result says ``more_records``, :meth:`BulkReadAdapter.next_request`
is the export of the next page (``next_page_token`` when Zoho gives one, else
``page + 1``), and :func:`jobadapter_zoho_bulk.pages.read_pages` follows them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
from jobadapter.errors import InvalidRequest, NotSupported
from jobadapter.model import Counts, Job
from jobadapter.parsing import optional_str
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable
from jobadapter.urls import path_segment
from jobadapter_zoho_common.adapter import ZohoAdapter

from jobadapter_zoho_bulk.answers import callback_url, entries, name_of, result_rows
from jobadapter_zoho_bulk.requests import BulkReadRequest, read_from_options

if TYPE_CHECKING:
    from jobadapter.connection import Connection

OPERATION = "read"

#: Every ``state`` the bulk read spec documents.
READ_STATUSES = ("ADDED", "IN PROGRESS", "COMPLETED", "FAILURE")


class BulkReadAdapter(ZohoAdapter):
    """Zoho CRM bulk read: export a module's records (one page per job) as a zipped CSV."""

    name: ClassVar[str] = "zoho.bulk_read"
    description: ClassVar[str] = (
        "Zoho CRM bulk read: export a module's records (fields, criteria, page) as a zipped CSV"
    )
    statuses: ClassVar[StatusTable] = StatusTable(
        {
            JobStatus.PENDING: ("ADDED",),
            JobStatus.RUNNING: ("IN PROGRESS",),
            JobStatus.SUCCEEDED: ("COMPLETED",),
            JobStatus.FAILED: ("FAILURE",),
        },
        owner="zoho.bulk_read",
    )
    capabilities: ClassVar[frozenset[str]] = frozenset({"submit", "get", "results"})
    unsupported_hints: ClassVar[Mapping[str, str]] = {
        "cancel": "Zoho CRM documents no way to stop a bulk read job"
    }
    documented_statuses: ClassVar[tuple[str, ...]] = READ_STATUSES

    # -- the pure half -------------------------------------------------------------

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        """A status answer (``{"data": [job]}``) or a create answer's ``details`` as a Job."""
        record = self._record(payload)
        word = record.get("state")
        result = record.get("result")
        result = result if result.__class__ is dict or isinstance(result, Mapping) else {}
        query = record.get("query")
        query = query if query.__class__ is dict or isinstance(query, Mapping) else {}
        count = self.count(result, "count")
        status = self.status_of(word)
        done = status is JobStatus.SUCCEEDED
        return Job(
            adapter=self.name,
            id=self.job_id_from(record.get("id"), job_id, "id"),
            status=status,
            native_status=word,
            operation=optional_str(record.get("operation"), name="operation") or OPERATION,
            target=name_of(query.get("module")),
            counts=Counts(
                total=count,
                processed=count if done else None,
                succeeded=count if done else None,
                failed=0 if done and count is not None else None,
            ),
            created_at=self.timestamp(record, "created_time"),
            submitted_by=name_of(record.get("created_by")),
            result_url=optional_str(result.get("download_url"), name="download_url"),
            callback_url=callback_url(record),
            raw=payload,
        )

    def _record(self, payload: Any) -> Mapping[str, Any]:
        body = self.require_mapping(payload)
        found = entries(body)
        if not found:
            return body  # a bare job (the create answer's details)
        entry = self.require_mapping(found[0], "data[0]")
        details = entry.get("details")
        if entry.get("status") == "success" and isinstance(details, Mapping):
            return details  # the create answer: the job is in details
        return entry

    def next_request(self, job: Job) -> BulkReadRequest | None:
        """The export of the page after ``job``'s, or None when it was the last page."""
        record = self._record(job.raw)
        result = record.get("result")
        if not isinstance(result, Mapping) or result.get("more_records") is not True:
            return None
        query = record.get("query")
        query = query if isinstance(query, Mapping) else {}
        module = name_of(query.get("module")) or job.target
        if module is None:
            raise self.malformed("the job names no module to read the next page of")
        fields = query.get("fields")
        request = BulkReadRequest(
            module=module,
            fields=tuple(fields) if isinstance(fields, list) else (),
            criteria=query.get("criteria") if isinstance(query.get("criteria"), Mapping) else None,
            cvid=optional_str(query.get("cvid"), name="cvid"),
            file_type=str(record.get("file_type") or "csv"),
            callback_url=job.callback_url,
        )
        token = result.get("next_page_token")
        page = result.get("page")
        return request.next_page(
            page=page if isinstance(page, int) and not isinstance(page, bool) else None,
            next_page_token=token if isinstance(token, str) else None,
        )

    # -- the I/O half --------------------------------------------------------------

    def request_from_options(self, options: Mapping[str, Any]) -> BulkReadRequest:
        return read_from_options(options)

    def submit(self, conn: Connection, request: Any) -> Job:
        """Create the export job; the Job is ADDED (PENDING) with the callback recorded."""
        req = _coerce(request)
        path = f"/crm/bulk/{self.settings(conn.profile).api_version}/read"
        payload = conn.request("POST", path, json=req.body(), adapter=self.name).json()
        job = self.parse(payload)
        if job.target is None or job.callback_url is None:
            job = attrs.evolve(
                job,
                target=job.target or req.module,
                callback_url=job.callback_url or req.callback_url,
            )
        return job

    def get(self, conn: Connection, job_id: str) -> Job:
        version = self.settings(conn.profile).api_version
        path = f"/crm/bulk/{version}/read/{path_segment(job_id, what='job id')}"
        return self.parse(conn.get_json(path, adapter=self.name), job_id=job_id)

    def results(self, conn: Connection, job_id: str) -> Iterator[dict[str, Any]]:
        """The rows of this page's zipped CSV (the job must be COMPLETED)."""
        yield from result_rows(conn, self.get(conn, job_id), adapter=self.name)

    def cancel(self, conn: Connection, job_id: str) -> Job:
        raise NotSupported(self.name, "cancel", self.unsupported_hints["cancel"])


def _coerce(request: Any) -> BulkReadRequest:
    if isinstance(request, BulkReadRequest):
        return request
    if isinstance(request, Mapping):
        return read_from_options(request)
    raise InvalidRequest(
        f"zoho.bulk_read submits a BulkReadRequest or a mapping, not {type(request).__name__}"
    )
