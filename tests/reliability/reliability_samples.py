"""Documented answers the fuzzer starts from (structure-aware: it mutates these).

Status answers per adapter, the submit answers adapters read themselves,
token answers and error bodies. Values follow the providers' reference pages
and published examples (see /work/shared/provider-docs in the design notes);
the verbatim documented status and submit answers come from each plugin's
``samples`` module.
"""

from __future__ import annotations

from typing import Any

import jobadapter_zoho_bulk.samples as zoho_bulk_samples
import jobadapter_zoho_mass_update.samples as zoho_samples
import jobadapter_zuora_bulk.samples as zuora_bulk_samples
import jobadapter_zuora_custom_objects.samples as custom_object_samples

ZUORA_CO_JOB: dict[str, Any] = custom_object_samples.as_dict(custom_object_samples.GET_JOB)
ZUORA_CO_RUNNING: dict[str, Any] = custom_object_samples.as_dict(
    custom_object_samples.UPLOAD_ANSWER
)
ZUORA_MASS_UPDATER: dict[str, Any] = zuora_bulk_samples.as_dict(zuora_bulk_samples.MASS_UPDATER_GET)
ZUORA_MASS_UPDATER_PENDING: dict[str, Any] = {
    "actionType": "CreateRevenueSchedule",
    "status": "Pending",
    "success": True,
    "totalCount": None,
    "processedCount": None,
    "successCount": None,
    "errorCount": None,
    "uploadedOn": "2015-04-07 14:22:09",
}
ZUORA_BULK_SUMMARY: dict[str, Any] = zuora_bulk_samples.as_dict(zuora_bulk_samples.BULK_JOB_SUMMARY)
ZUORA_BULK_TUTORIAL: dict[str, Any] = {
    **ZUORA_BULK_SUMMARY,
    "status": "Completed",
    "createdAt": "2021-02-23T11:54:40Z",
    "lastUpdatedAt": "2021-02-23T12:16:20.123+00:00",
    "failureReason": None,
}
ZOHO_STATUS: dict[str, Any] = zoho_samples.as_dict(zoho_samples.SAMPLE_RUNNING)
ZOHO_SCHEDULED: dict[str, Any] = zoho_samples.as_dict(zoho_samples.SAMPLE_SUBMIT_SCHEDULED)
ZOHO_IMMEDIATE: dict[str, Any] = {
    "data": [
        {
            "code": "SUCCESS",
            "details": {
                "Modified_Time": "2019-05-02T11:17:33+05:30",
                "Modified_By": {"name": "Patricia Boyle", "id": "554023000000235011"},
                "Created_Time": "2019-04-01T11:17:33+05:30",
                "id": "554023000000527002",
                "Created_By": {"name": "Patricia Boyle", "id": "554023000000235011"},
            },
            "message": "record updated",
            "status": "success",
        },
        {
            "code": "INVALID_DATA",
            "details": {"id": "55402300000052700X"},
            "message": "the id given seems to be invalid",
            "status": "error",
        },
    ]
}

#: Status answers (the body ``get`` reads) per adapter name, with the job id parse gets.
STATUS_SAMPLES: dict[str, list[tuple[Any, str | None]]] = {
    "zuora.custom_object_job": [(ZUORA_CO_JOB, None), (ZUORA_CO_RUNNING, None)],
    "zuora.mass_updater": [
        (ZUORA_MASS_UPDATER, "402892c84c9285b1014c9293f5320007"),
        (ZUORA_MASS_UPDATER_PENDING, "402892c84c9285b1014c9293f5320008"),
    ],
    "zuora.bulk_job": [(ZUORA_BULK_SUMMARY, None), (ZUORA_BULK_TUTORIAL, None)],
    "zoho.mass_update": [(ZOHO_STATUS, "Leads:554023000000506003")],
    "zoho.bulk_read": [
        (zoho_bulk_samples.read_answer("COMPLETED", result=True, more=True), None),
        (zoho_bulk_samples.read_answer("IN PROGRESS"), zoho_bulk_samples.READ_ID),
    ],
    "zoho.bulk_write": [
        (zoho_bulk_samples.write_answer("COMPLETED", added=2, skipped=1), None),
        (zoho_bulk_samples.write_answer("ADDED"), zoho_bulk_samples.WRITE_ID),
    ],
}

ZUORA_TOKEN: dict[str, Any] = {
    "access_token": "c652cbc0ea384b9f81856a93a2a74538",
    "token_type": "bearer",
    "expires_in": 3599,
    "scope": "user.7c4d5433dc234c369a01b9719ecd059f entity.1a2b7a37 service.echo.read tenant.19",
    "jti": "c652cbc0ea384b9f81856a93a2a74539",
}
ZOHO_TOKEN: dict[str, Any] = {
    "access_token": "1000.2deaf8d0c268e3c85daa2a013a843b10.703adef2bb337b8ca36cfc5d7b83cf24",
    "api_domain": "https://www.zohoapis.com",
    "token_type": "Bearer",
    "expires_in": 3600,
}
ZOHO_TOKEN_MS: dict[str, Any] = {**ZOHO_TOKEN, "expires_in_sec": 3600, "expires_in": 3600000}
TOKEN_ERRORS: list[dict[str, Any]] = [
    {"error": "invalid_code"},
    {"error": "invalid_client", "error_description": "Invalid client credentials"},
]

ZUORA_ERRORS: list[Any] = [
    {
        "success": False,
        "processId": "3F7EA3FD706C7E7C",
        "reasons": [{"code": 53100320, "message": "'termType' value should be one of ..."}],
        "requestId": "41a8c2c9-4a9c-4e0d-a8a7-3cd5f7d1ec21",
    },
    {"code": 71013040, "message": "Not Found"},
    {"Errors": [{"Code": "INVALID_VALUE", "Message": "invalid bulk key"}], "Success": False},
]
ZOHO_ERRORS: list[Any] = [
    {
        "code": "INVALID_DATA",
        "details": {"param_name": "job_id"},
        "message": "bad",
        "status": "error",
    },
    {
        "data": [
            {"code": "ALREADY_SCHEDULED", "details": {}, "message": "running", "status": "error"}
        ]
    },
]
