"""Zuora's documented answers for custom object bulk jobs, verbatim.

One copy of each sample, so tests, fuzzers and benchmarks exercise what the
provider publishes. Each is a ``str`` of JSON; :func:`as_dict` gives a fresh
parsed copy. The page sample keeps the page's exact text; the spec examples
are YAML in the spec, written here as JSON with the same keys, order and values.
"""

from __future__ import annotations

import json
from typing import Any, cast

__all__ = [
    "CANCEL_ANSWER",
    "GET_JOB",
    "LISTED_COMPLETED",
    "LISTED_PENDING",
    "UPLOAD_ANSWER",
    "as_dict",
]

# GET /objects/jobs/{id}, "Response samples / 200" (pages/zuora-get-custom-object-bulk-job.md):
# a failed job, not a failed call.
GET_JOB = """{
  "CreatedById": "7b39d73f-22e6-404a-b8e7-894f7620e91c",
  "CreatedDate": "2021-03-15T06:47:18Z",
  "Id": "ed4b9701-bafb-4976-8019-b08269430153",
  "UpdatedById": "7b39d73f-22e6-404a-b8e7-894f7620e91c",
  "UpdatedDate": "2021-03-15T06:47:18Z",
  "error": {
    "code": 71012560,
    "message": "Service limit reached, please retry later."
  },
  "namespace": "default",
  "object": "passenger",
  "operation": "delete",
  "processingTime": 1882,
  "recordsProcessed": 500,
  "status": "failed"
}"""

# POST /objects/jobs/{id}/files, 200 example (specs/zuora-custom-object-jobs-api-openapi.yml).
UPLOAD_ANSWER = """{
  "Id": "5112347a-f7a1-4373-99df-c082984de7be",
  "CreatedById": "2c92c0f96a07409d016a0a58ab1172ec",
  "UpdatedById": "2c92c0f96a07409d016a0a58ab1172ec",
  "CreatedDate": "2021-03-10T00:05:54.207Z",
  "UpdatedDate": "2021-03-10T00:08:15.539Z",
  "operation": "create",
  "namespace": "default",
  "object": "vehicle",
  "status": "in_progress",
  "processingTime": 0,
  "recordsProcessed": 0
}"""

# PATCH /objects/jobs/{id}/cancel, 200 example (specs/zuora-custom-object-jobs-api-openapi.yml).
CANCEL_ANSWER = """{
  "Id": "7f19b861-5ec7-479b-935c-fcfbd6477655",
  "CreatedById": "11e64eef-ada8-786d-9658-00259058c29c",
  "UpdatedById": "0fdfc048-0a9e-433f-ad23-d50e31448b2e",
  "CreatedDate": "2022-12-01T21:24:04.337Z",
  "UpdatedDate": "2022-12-01T21:37:43.212Z",
  "operation": "create",
  "namespace": "default",
  "object": "jobtest",
  "status": "cancelled",
  "processingTime": 0,
  "recordsProcessed": 0
}"""

# GET /objects/jobs, the two jobs of the CustomObjectBulkJobResponseCollection.jobs example
# (specs/zuora-custom-object-jobs-api-openapi.yml), first a completed one, then a pending one.
LISTED_COMPLETED = """{
  "CreatedById": "2c92c0f96a07409d016a0a58ab1172ec",
  "CreatedDate": "2021-03-10T00:05:54.207Z",
  "Id": "5112347a-f7a1-4373-99df-c082984de7be",
  "UpdatedById": "2c92c0f96a07409d016a0a58ab1172ec",
  "UpdatedDate": "2021-03-10T00:08:15.614Z",
  "namespace": "default",
  "object": "vehicle",
  "operation": "create",
  "processingTime": 62,
  "recordsProcessed": 3,
  "status": "completed"
}"""
LISTED_PENDING = """{
  "CreatedById": "2c92c0f96a07409d016a0a58ab1172ec",
  "CreatedDate": "2021-03-09T22:27:59.503Z",
  "Id": "a9e9a58d-0a11-4685-b1ab-99521dbc20a1",
  "UpdatedById": "2c92c0f96a07409d016a0a58ab1172ec",
  "UpdatedDate": "2021-03-09T22:27:59.503Z",
  "namespace": "default",
  "object": "vehicle",
  "operation": "create",
  "processingTime": 0,
  "recordsProcessed": 0,
  "status": "pending"
}"""


def as_dict(sample: str) -> dict[str, Any]:
    """A fresh parsed copy of ``sample`` (callers may change it freely)."""
    return cast("dict[str, Any]", json.loads(sample))
