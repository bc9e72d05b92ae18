"""jobadapter adapters for Zuora Mass Updater (``zuora.mass_updater``) and Bulk Data
jobs (``zuora.bulk_job``)."""

from __future__ import annotations

from jobadapter_zuora_bulk.bulk_job import BulkJobAdapter
from jobadapter_zuora_bulk.mass_updater import MassUpdaterAdapter
from jobadapter_zuora_bulk.requests import (
    ACTION_TYPES,
    FILE_TYPES,
    JOB_TYPES,
    BulkJobRequest,
    MassUpdateRequest,
)

__version__ = "0.1.0"

__all__ = [
    "ACTION_TYPES",
    "FILE_TYPES",
    "JOB_TYPES",
    "BulkJobAdapter",
    "BulkJobRequest",
    "MassUpdateRequest",
    "MassUpdaterAdapter",
]
