"""Zuora's documented answers for the mass updater and bulk jobs, verbatim.

One copy of each sample, so tests, fuzzers and benchmarks exercise the exact
text the provider publishes (``provider-docs/pages/``). Each is a ``str`` of
JSON; :func:`as_dict` gives a fresh parsed copy.
"""

from __future__ import annotations

import json
from typing import Any, cast

__all__ = ["BULK_JOB_SUMMARY", "MASS_UPDATER_GET", "as_dict"]

# GET /v1/bulk/{bulk-key}, "Response samples, 200" (pages/zuora-get-mass-updater.md).
MASS_UPDATER_GET = """{
  "actionType": "UpdateAccountingCode",
  "endedOn": "2015-04-07 14:32:01",
  "errorCount": 1,
  "inputSize": 354,
  "outputSize": 350,
  "outputType": "(url:.csv.zip)",
  "outputURL": "https://rest.zuora.com/v1/files/402892c84c9285b1014c9293f5320007",
  "processedCount": 3,
  "startedOn": "2015-04-07 14:22:11",
  "status": "Completed",
  "success": true,
  "successCount": 2,
  "totalCount": 3,
  "uploadedBy": "smith@example.com",
  "uploadedOn": "2015-04-07 14:22:09"
}"""

# GET /bulk-data/bulk-jobs/{id}/summary, "Response samples, 200"
# (pages/zuora-get-bulk-job-summary.md).
BULK_JOB_SUMMARY = """{
  "id": "3a3e85c4-96e7-486b-ae02-827120104301",
  "name": "Sample Bulk Job",
  "description": "Job processing sample data",
  "createdAt": 1614081280,
  "createdBy": "admin",
  "status": "In Progress",
  "rowCount": 1000,
  "rowsSucceeded": 800,
  "rowsFailed": 200,
  "lastUpdatedAt": 1614082580,
  "failureReason": "Processing error",
  "objectType": "account",
  "jobType": "Import",
  "isCustomObject": false,
  "customObjectNamespace": "default",
  "dataSourceType": "UserUpload",
  "systemType": "BILLING",
  "fileType": "csv"
}"""


def as_dict(sample: str) -> dict[str, Any]:
    """A fresh parsed copy of ``sample`` (callers may change it freely)."""
    return cast("dict[str, Any]", json.loads(sample))
