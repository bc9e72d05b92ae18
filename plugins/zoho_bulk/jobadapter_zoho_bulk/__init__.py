"""jobadapter plugin for Zoho CRM's bulk APIs: adapters ``zoho.bulk_read`` and
``zoho.bulk_write``, and the ``zoho_bulk`` sandbox simulator."""

from __future__ import annotations

from jobadapter_zoho_bulk.bulk_read import READ_STATUSES, BulkReadAdapter
from jobadapter_zoho_bulk.bulk_write import WRITE_STATUSES, BulkWriteAdapter
from jobadapter_zoho_bulk.pages import read_pages
from jobadapter_zoho_bulk.requests import BulkReadRequest, BulkWriteRequest
from jobadapter_zoho_bulk.zipcsv import zip_csv

__version__ = "0.1.0"

__all__ = [
    "READ_STATUSES",
    "WRITE_STATUSES",
    "BulkReadAdapter",
    "BulkReadRequest",
    "BulkWriteAdapter",
    "BulkWriteRequest",
    "read_pages",
    "zip_csv",
]
