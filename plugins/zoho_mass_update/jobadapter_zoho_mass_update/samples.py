"""Zoho's documented answers for mass update, verbatim.

One copy of each sample, so tests, fuzzers and benchmarks exercise the exact
text Zoho publishes. Each is a ``str`` of JSON; :func:`as_dict` gives a fresh
parsed copy.
"""

from __future__ import annotations

import json
from typing import Any, cast

__all__ = [
    "SAMPLE_COMPLETED",
    "SAMPLE_FAILED",
    "SAMPLE_RUNNING",
    "SAMPLE_SCHEDULED",
    "SAMPLE_SUBMIT_IDS",
    "SAMPLE_SUBMIT_SCHEDULED",
    "as_dict",
]

# Zoho's "Get Mass Update Status" page, "Sample Response For Job Complete"
# (https://www.zoho.com/crm/developer/docs/api/v7/mass-update-status.html; the copy in
# provider-docs/pages stops at the heading), one sample per status, verbatim.
SAMPLE_COMPLETED = """{
    "data": [
        {
            "Status": "COMPLETED",
            "Failed_Count": 0,
            "Updated_Count": 50,
            "Not_Updated_Count": 0,
            "Total_Count": 50
        }
    ]
}"""
SAMPLE_FAILED = """{
    "data": [
        {
            "Status": "FAILED",
            "Failed_Count": 50,
            "Updated_Count": 0,
            "Not_Updated_Count": 0,
            "Total_Count": 50
        }
    ]
}"""
SAMPLE_SCHEDULED = """{
    "data": [
        {
            "Status": "SCHEDULED",
            "Failed_Count": 0,
            "Updated_Count": 0,
            "Not_Updated_Count": 50,
            "Total_Count": 50
        }
    ]
}"""
SAMPLE_RUNNING = """{
    "data": [
        {
            "Status": "RUNNING",
            "Failed_Count": 0,
            "Updated_Count": 30,
            "Not_Updated_Count": 20,
            "Total_Count": 50
        }
    ]
}"""
# "Mass Update Records" page, "Sample Response", both modes (same doc set), verbatim.
SAMPLE_SUBMIT_SCHEDULED = """{
    "data": [
        {
            "code": "SUCCESS",
            "details": {
                "job_id": "554023000000506003"
            },
            "message": "mass update scheduled successfully",
            "status": "success"
        }
    ]
}"""
SAMPLE_SUBMIT_IDS = """{
    "data": [
        {
            "code": "SUCCESS",
            "details": {
                "Modified_Time": "2021-03-03T12:17:00+05:30",
                "Modified_By": {
                    "name": "Patricia boyle",
                    "id": "554023000000497007"
                },
                "Created_Time": "2021-02-26T19:13:56+05:30",
                "id": "580845000003654076",
                "Created_By": {
                    "name": "Patricia Boyle",
                    "id": "580845000000242009"
                }
            },
            "message": "record updated",
            "status": "success"
        },
        {
            "code": "INVALID_DATA",
            "details": {
                "id": "554023000000497021"
            },
            "message": "the id given seems to be invalid",
            "status": "error"
        }
    ]
}"""


def as_dict(sample: str) -> dict[str, Any]:
    """A fresh parsed copy of ``sample`` (callers may change it freely)."""
    return cast("dict[str, Any]", json.loads(sample))
