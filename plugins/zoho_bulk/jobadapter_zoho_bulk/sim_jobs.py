"""The bulk simulator's jobs, apart from HTTP: how each looks at a moment of simulated time.

A job is ADDED for ``delay`` seconds, then IN PROGRESS at ``rate`` rows a
second, then done; a test moves it along by advancing the clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from jobadapter_zoho_bulk.zipcsv import csv_from_rows, zip_csv

USER = {"id": "5000000000000000001", "name": "Sandbox User"}


def _progress(elapsed: float, delay: float, rate: float, total: int) -> tuple[str, int]:
    """(phase, rows done) at ``elapsed`` seconds after creation."""
    if elapsed < delay:
        return "ADDED", 0
    done = min(total, int((elapsed - delay) * rate))
    return ("IN PROGRESS", done) if done < total else ("DONE", total)


@attrs.define
class ReadJob:
    """One export: ``rows`` are this page's records, ``more`` whether a page follows."""

    id: str
    module: str
    query: dict[str, Any]
    rows: list[dict[str, str]]
    page: int
    more: bool
    failing: bool
    created: float
    created_time: str
    callback: dict[str, str] | None = None

    def snapshot(self, now: float, *, delay: float, rate: float, url: str) -> dict[str, Any]:
        phase, _done = _progress(now - self.created, delay, rate, len(self.rows))
        state = "FAILURE" if phase == "DONE" and self.failing else phase
        state = "COMPLETED" if state == "DONE" else state
        record: dict[str, Any] = {
            "id": self.id,
            "operation": "read",
            "state": state,
            "query": self.query,
            "created_by": dict(USER),
            "created_time": self.created_time,
            "file_type": "csv",
        }
        if state == "COMPLETED":
            record["result"] = {
                "page": self.page,
                "count": len(self.rows),
                "download_url": url,
                "per_page": 200000,
                "more_records": self.more,
                "next_page_token": None,
            }
        return record

    def result_zip(self) -> bytes:
        fields = list(self.rows[0]) if self.rows else ["Id"]
        data = csv_from_rows(self.rows, fields) if self.rows else b"Id\n"
        return zip_csv(data, f"{self.id}.csv")


@attrs.define
class WriteJob:
    """One import: the uploaded rows, which of them fail, and the columns mapped."""

    id: str
    module: str
    operation: str
    body: dict[str, Any]
    file_name: str
    rows: list[dict[str, str]]
    created: float
    created_time: str

    def failing(self, row: Mapping[str, str]) -> bool:
        return any("FAIL" in (value or "") for value in row.values())

    def snapshot(self, now: float, *, delay: float, rate: float, url: str) -> dict[str, Any]:
        total = len(self.rows)
        phase, done = _progress(now - self.created, delay, rate, total)
        skipped = sum(1 for row in self.rows[:done] if self.failing(row))
        written = done - skipped
        if total == 0 and phase == "DONE":
            status = "SKIPPED"
        elif phase == "DONE":
            status = "FAILED" if written == 0 else "COMPLETED"
        else:
            status = phase
        counts = {"added_count": 0, "updated_count": 0, "skipped_count": skipped}
        counts["updated_count" if self.operation == "update" else "added_count"] = written
        resource = dict(self.body["resource"][0])
        resource.update(
            status=status,
            file={"status": status, "name": self.file_name, "total_count": total, **counts},
        )
        record: dict[str, Any] = {
            "status": status,
            "character_encoding": self.body.get("character_encoding", "UTF-8"),
            "resource": [resource],
            "id": self.id,
            "created_by": dict(USER),
            "operation": self.operation,
            "created_time": self.created_time,
        }
        if "callback" in self.body:
            record["callback"] = self.body["callback"]
        if status in ("COMPLETED", "FAILED"):
            record["result"] = {"download_url": url}
        return record

    def result_zip(self, first_id: int) -> bytes:
        out: list[dict[str, Any]] = []
        verb = "UPDATED" if self.operation == "update" else "ADDED"
        for index, row in enumerate(self.rows):
            bad = self.failing(row)
            out.append(
                {
                    **row,
                    "STATUS": "SKIPPED" if bad else verb,
                    "RECORD_ID": "" if bad else str(first_id + index),
                    "ERRORS": "INVALID_DATA - the value is invalid" if bad else "",
                }
            )
        columns: Sequence[str] = [
            *(self.rows[0] if self.rows else {}),
            "STATUS",
            "RECORD_ID",
            "ERRORS",
        ]
        return zip_csv(csv_from_rows(out, columns) if out else b"STATUS\n", self.file_name)
