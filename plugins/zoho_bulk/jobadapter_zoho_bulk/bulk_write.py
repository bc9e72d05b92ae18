"""The ``zoho.bulk_write`` adapter: a Zoho CRM import job (``/crm/bulk/v8/write``).

Submit is two calls: the zipped CSV goes to the content host
(``content.zohoapis.<dc>/crm/v8/upload``, headers ``feature: bulk-write`` and
``X-CRM-ORG``), which answers a ``file_id``; then the job is created on the API
host for that file (insert, update or upsert; an optional callback). The
content host is one the ``zoho`` provider declares it trusts, so the upload
carries the credentials with the same refresh-and-retry on a 401. The rows
uploaded are the job's total from the start. ``get`` reads the job's status
and the file's counts; ``results`` streams the rows of the result file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from jobadapter.errors import ConfigError, InvalidRequest, NotSupported
from jobadapter.model import Counts, Job
from jobadapter.parsing import optional_str
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable
from jobadapter.urls import path_segment
from jobadapter_zoho_common.adapter import ZohoAdapter
from jobadapter_zoho_common.settings import ZohoSettings

from jobadapter_zoho_bulk.answers import callback_url, entries, name_of, result_rows
from jobadapter_zoho_bulk.requests import BulkWriteRequest, write_from_options
from jobadapter_zoho_bulk.zipcsv import count_rows, csv_from_rows, header_of, upload_bytes, zip_csv

if TYPE_CHECKING:
    from jobadapter.connection import Connection

#: Every status the bulk write spec documents (for the job and for each resource).
WRITE_STATUSES = ("ADDED", "IN PROGRESS", "COMPLETED", "FAILED", "SKIPPED")

UPLOAD_PATH = "/crm/{version}/upload"


class BulkWriteAdapter(ZohoAdapter):
    """Zoho CRM bulk write: insert, update or upsert a module's records from a zipped CSV."""

    name: ClassVar[str] = "zoho.bulk_write"
    description: ClassVar[str] = (
        "Zoho CRM bulk write: upload a zipped CSV to the content host, then insert, "
        "update or upsert its rows into a module"
    )
    statuses: ClassVar[StatusTable] = StatusTable(
        {
            JobStatus.PENDING: ("ADDED",),
            JobStatus.RUNNING: ("IN PROGRESS",),
            JobStatus.SUCCEEDED: ("COMPLETED",),
            # SKIPPED: Zoho did not process the file at all; nothing was written.
            JobStatus.FAILED: ("FAILED", "SKIPPED"),
        },
        owner="zoho.bulk_write",
    )
    capabilities: ClassVar[frozenset[str]] = frozenset({"submit", "get", "results"})
    unsupported_hints: ClassVar[Mapping[str, str]] = {
        "cancel": "Zoho CRM documents no way to stop a bulk write job"
    }
    documented_statuses: ClassVar[tuple[str, ...]] = WRITE_STATUSES

    # -- the pure half -------------------------------------------------------------

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        """A status answer (the job, bare or in ``data``) as a Job; counts from its files."""
        record = self._record(payload)
        word = record.get("status")
        # one pass over the resources (a job has one, a file each): their module and files
        target: str | None = None
        files: list[Mapping[str, Any]] = []
        for resource in record.get("resource") or ():
            if resource.__class__ is not dict and not isinstance(resource, Mapping):
                continue
            if target is None:
                target = name_of(resource.get("module"))
            file = resource.get("file")
            if file.__class__ is dict or isinstance(file, Mapping):
                files.append(file)
        result = record.get("result")
        result = result if result.__class__ is dict or isinstance(result, Mapping) else {}
        return Job(
            adapter=self.name,
            id=self.job_id_from(record.get("id"), job_id, "id"),
            status=self.status_of(word),
            native_status=word,
            operation=optional_str(record.get("operation"), name="operation"),
            target=target,
            counts=self._counts(files),
            created_at=self.timestamp(record, "created_time"),
            submitted_by=name_of(record.get("created_by")),
            result_url=optional_str(result.get("download_url"), name="download_url"),
            callback_url=callback_url(record),
            raw=payload,
        )

    def _counts(self, files: list[Mapping[str, Any]]) -> Counts:
        """Added and updated rows succeeded, skipped ones failed; the total is Zoho's."""
        count = self.count
        added: int | None = None
        updated: int | None = None
        skipped: int | None = None
        total: int | None = None
        for f in files:  # each count summed over the files that give it (None: none does)
            if (value := count(f, "added_count")) is not None:
                added = value if added is None else added + value
            if (value := count(f, "updated_count")) is not None:
                updated = value if updated is None else updated + value
            if (value := count(f, "skipped_count")) is not None:
                skipped = value if skipped is None else skipped + value
            if (value := count(f, "total_count")) is not None:
                total = value if total is None else total + value
        succeeded = None if added is None and updated is None else (added or 0) + (updated or 0)
        processed = (
            None if succeeded is None and skipped is None else (succeeded or 0) + (skipped or 0)
        )
        return Counts(total=total, processed=processed, succeeded=succeeded, failed=skipped)

    def _record(self, payload: Any) -> Mapping[str, Any]:
        body = self.require_mapping(payload)
        if "data" not in body:
            return body  # a bare job (what ``entries`` finds in it: nothing)
        found = entries(body)
        return self.require_mapping(found[0], "data[0]") if found else body

    # -- the I/O half --------------------------------------------------------------

    def request_from_options(self, options: Mapping[str, Any]) -> BulkWriteRequest:
        return write_from_options(options)

    def submit(self, conn: Connection, request: Any) -> Job:
        """Upload the file (unless a ``file_id`` is given), then create the job."""
        req = _coerce(request)
        settings = self.settings(conn.profile)
        columns: list[str] = []
        total: int | None = None
        file_id = req.file_id
        if file_id is None:
            data, name = self._file(req)
            columns, total = header_of(data), count_rows(data)
            file_id = self.upload(conn, settings, data, name)
        path = f"/crm/bulk/{settings.api_version}/write"
        response = conn.request("POST", path, json=req.body(file_id, columns), adapter=self.name)
        answer = self.require_mapping(response.json())
        found = entries(answer)
        entry = self.require_mapping(found[0], "data[0]") if found else answer
        details = entry.get("details")
        if not isinstance(details, Mapping) or details.get("id") is None:
            raise self.malformed("the create answer has no details.id", payload=answer)
        return Job(
            adapter=self.name,
            id=self.job_id_from(details.get("id"), None, "details.id"),
            status=JobStatus.PENDING,
            native_status="ADDED",
            operation=req.operation,
            target=req.module,
            counts=Counts(total=total),
            created_at=self.timestamp(details, "created_time"),
            submitted_by=name_of(details.get("created_by")),
            callback_url=req.callback_url,
            raw=answer,
        )

    @staticmethod
    def _file(req: BulkWriteRequest) -> tuple[bytes, str]:
        if req.file is not None:
            return upload_bytes(req.file)
        assert req.rows is not None  # the request checked that one of them is given
        return zip_csv(csv_from_rows(req.rows), f"{req.module}.csv"), f"{req.module}.zip"

    def upload(self, conn: Connection, settings: ZohoSettings, data: bytes, name: str) -> str:
        """Upload a zipped CSV to the content host; its ``file_id``."""
        org = conn.profile.options.get("org_id")
        if not org:
            raise ConfigError(
                f"profile {conn.profile.name!r}: set org_id (your Zoho CRM org id, sent as "
                "X-CRM-ORG on uploads; Setup > Company Details, or GET /crm/v8/org)"
            )
        url = settings.content_url + UPLOAD_PATH.format(version=settings.api_version)
        response = conn.request(
            "POST",
            url,
            multipart={"file": (name, data, "application/zip")},
            headers={"feature": "bulk-write", "X-CRM-ORG": str(org)},
            adapter=self.name,
        )
        answer = self.require_mapping(response.json())
        details = answer.get("details")
        file_id = details.get("file_id") if isinstance(details, Mapping) else None
        if isinstance(file_id, bool) or not isinstance(file_id, (str, int)) or not str(file_id):
            raise self.malformed("the upload answer has no details.file_id", payload=answer)
        return str(file_id)

    def get(self, conn: Connection, job_id: str) -> Job:
        version = self.settings(conn.profile).api_version
        path = f"/crm/bulk/{version}/write/{path_segment(job_id, what='job id')}"
        return self.parse(conn.get_json(path, adapter=self.name), job_id=job_id)

    def results(self, conn: Connection, job_id: str) -> Iterator[dict[str, Any]]:
        """The rows of the result file: each input row with its STATUS, RECORD_ID and ERRORS."""
        yield from result_rows(conn, self.get(conn, job_id), adapter=self.name)

    def cancel(self, conn: Connection, job_id: str) -> Job:
        raise NotSupported(self.name, "cancel", self.unsupported_hints["cancel"])


def _coerce(request: Any) -> BulkWriteRequest:
    if isinstance(request, BulkWriteRequest):
        return request
    if isinstance(request, Mapping):
        return write_from_options(request)
    raise InvalidRequest(
        f"zoho.bulk_write submits a BulkWriteRequest or a mapping, not {type(request).__name__}"
    )
