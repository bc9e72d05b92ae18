"""Documented answers the fuzzer starts from (structure-aware: it mutates these).

Status answers per adapter, the submit answers adapters read themselves,
token answers and error bodies. Values follow the providers' reference pages
and published examples (see /work/shared/provider-docs in the design notes).
"""

from __future__ import annotations

from typing import Any

ZUORA_CO_JOB: dict[str, Any] = {
    "CreatedById": "7b39d73f-22e6-404a-b8e7-894f7620e91c",
    "CreatedDate": "2021-03-15T06:47:18Z",
    "Id": "ed4b9701-bafb-4976-8019-b08269430153",
    "UpdatedById": "7b39d73f-22e6-404a-b8e7-894f7620e91c",
    "UpdatedDate": "2021-03-15T06:47:18Z",
    "error": {"code": 71012560, "message": "Service limit reached, please retry later."},
    "namespace": "default",
    "object": "passenger",
    "operation": "delete",
    "processingTime": 1882,
    "recordsProcessed": 500,
    "status": "failed",
}
ZUORA_CO_RUNNING: dict[str, Any] = {
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
    "recordsProcessed": 0,
}
ZUORA_MASS_UPDATER: dict[str, Any] = {
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
    "success": True,
    "successCount": 2,
    "totalCount": 3,
    "uploadedBy": "smith@example.com",
    "uploadedOn": "2015-04-07 14:22:09",
}
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
ZUORA_BULK_SUMMARY: dict[str, Any] = {
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
    "isCustomObject": False,
    "customObjectNamespace": "default",
    "dataSourceType": "UserUpload",
    "systemType": "BILLING",
    "fileType": "csv",
}
ZUORA_BULK_TUTORIAL: dict[str, Any] = {
    **ZUORA_BULK_SUMMARY,
    "status": "Completed",
    "createdAt": "2021-02-23T11:54:40Z",
    "lastUpdatedAt": "2021-02-23T12:16:20.123+00:00",
    "failureReason": None,
}
ZOHO_STATUS: dict[str, Any] = {
    "data": [
        {
            "Status": "RUNNING",
            "Failed_Count": 0,
            "Updated_Count": 30,
            "Not_Updated_Count": 20,
            "Total_Count": 50,
        }
    ]
}
ZOHO_SCHEDULED: dict[str, Any] = {
    "data": [
        {
            "code": "SUCCESS",
            "details": {"job_id": "554023000000506003"},
            "message": "mass update scheduled successfully",
            "status": "success",
        }
    ]
}
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
