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

from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from jobadapter.sandbox import DemoRequest
from jobadapter_zoho_common.simulator import REFRESH_TOKEN, ZohoSimOptions
from typing_extensions import Unpack
from werkzeug.routing import Rule

from jobadapter_zoho_bulk.requests import BulkReadRequest, BulkWriteRequest
from jobadapter_zoho_bulk.sim_common import DEFAULT_RECORDS, MODULES, ORG_ID
from jobadapter_zoho_bulk.sim_read import BulkReadRoutes
from jobadapter_zoho_bulk.sim_write import BulkWriteRoutes

__all__ = [
    "DEFAULT_RECORDS",
    "MODULES",
    "ORG_ID",
    "READ_ONLY_REFRESH_TOKEN",
    "ZohoBulkSimulator",
]

#: Granted read scopes only: creating an export works, uploads and imports are refused.
READ_ONLY_REFRESH_TOKEN = "sandbox-refresh-token-bulk-read-only"  # noqa: S105


class ZohoBulkSimulator(BulkReadRoutes, BulkWriteRoutes):
    """Zoho CRM's bulk read and bulk write APIs and the content host, in simulated time."""

    name: ClassVar[str] = "zoho_bulk"

    def __init__(
        self,
        *,
        rows_per_second: float = 20.0,
        per_page: int = 200,
        **options: Unpack[ZohoSimOptions],
    ) -> None:
        """``rows_per_second`` and ``per_page`` here; the rest (clock, seed,
        schedule_delay, rate window, token_ttl) are every Zoho simulator's."""
        if rows_per_second <= 0 or per_page < 1:
            raise ValueError("rows_per_second must be > 0 and per_page >= 1")
        super().__init__(**options)
        self.rows_per_second = rows_per_second
        self.per_page = per_page
        self.records = {}
        self.reads = {}
        self.writes = {}
        self.files = {}
        self.uploads = []

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
