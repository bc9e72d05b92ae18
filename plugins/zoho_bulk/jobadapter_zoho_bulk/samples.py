"""Answers shaped as Zoho's bulk read and bulk write documents show them: the status
answers every test (contract, fuzzing, reliability) starts from."""

from __future__ import annotations

from typing import Any

USER = {"id": "554023000000235011", "name": "Patricia Boyle"}

READ_ID = "554023000000568002"


def read_answer(state: str, *, result: bool = False, more: bool = False) -> dict[str, Any]:
    job: dict[str, Any] = {
        "id": READ_ID,
        "operation": "read",
        "state": state,
        "query": {
            "module": {"api_name": "Contacts", "id": "554023000000000131"},
            "page": 1,
            "fields": ["Last_Name", "Owner", "Email"],
        },
        "created_by": USER,
        "created_time": "2024-09-12T11:08:20+05:30",
        "file_type": "csv",
    }
    if result:
        job["result"] = {
            "page": 1,
            "count": 200000 if more else 3,
            "download_url": f"/crm/bulk/v8/read/{READ_ID}/result",
            "per_page": 200000,
            "more_records": more,
            "next_page_token": "c8582e7f8e1f4f1ac6b5bd7c13f7bc4" if more else None,
        }
    return {"data": [job]}


WRITE_ID = "554023000000583002"


def write_answer(
    status: str, *, added: int = 0, skipped: int = 0, total: int = 3
) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "status": status,
        "character_encoding": "UTF-8",
        "resource": [
            {
                "status": status,
                "type": "data",
                "module": {"api_name": "Leads", "id": "554023000000000125"},
                "field_mappings": [{"api_name": "Last_Name", "index": 0}],
                "file": {
                    "status": status,
                    "name": "Leads.csv",
                    "added_count": added,
                    "skipped_count": skipped,
                    "updated_count": 0,
                    "total_count": total,
                },
            }
        ],
        "id": WRITE_ID,
        "callback": {"url": "https://www.example.com/callback", "method": "post"},
        "created_by": USER,
        "operation": "insert",
        "created_time": "2024-09-12T12:08:20+05:30",
    }
    if status in ("COMPLETED", "FAILED"):
        answer["result"] = {
            "download_url": f"https://download-accl.zoho.com/v2/crm/6735/bulk-write/{WRITE_ID}/{WRITE_ID}.zip"
        }
    return answer
