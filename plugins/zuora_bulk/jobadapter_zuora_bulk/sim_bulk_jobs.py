"""A simulated Bulk Data job apart from HTTP: its status walk in simulated time and
its result row files. The routes are in :mod:`~jobadapter_zuora_bulk.sim_bulk_data`."""

from __future__ import annotations

import json
from typing import Any

import attrs

from jobadapter_zuora_bulk.sim_data import FAIL_MESSAGE, Table, csv_bytes

TERMINAL = ("Completed", "Failed", "Aborted", "Cancelled")


@attrs.frozen
class BulkState:
    status: str
    total: int | None
    succeeded: int | None
    failed: int | None
    updated: float
    failure: str | None = None


@attrs.define
class BulkDataJob:
    """One Bulk Data job and the timing that drives its status walk."""

    id: str
    body: dict[str, Any]
    created_at: float
    queue_for: float
    download_for: float
    rate: float
    abort_delay: float
    upload_key: str
    upload: bytes | None = None
    table: Table | None = None
    bad_file: str | None = None
    uploaded_at: float | None = None
    submitted_at: float | None = None
    abort_at: float | None = None
    files: dict[str, str] = attrs.Factory(dict)

    def _counts(self, processed: int) -> tuple[int, int, int]:
        assert self.table is not None
        total = len(self.table.fails)
        failed = sum(self.table.fails[:processed])
        return total, processed - failed, failed

    def state(self, now: float) -> BulkState:
        if self.submitted_at is None:
            if self.abort_at is not None:
                return BulkState("Aborted", None, None, None, self.abort_at)
            return BulkState("Created", None, None, None, self.uploaded_at or self.created_at)
        t_download = self.submitted_at + self.queue_for
        t_run = t_download + self.download_for
        if self.abort_at is not None and self.abort_at < t_run:
            if now < self.abort_at + self.abort_delay:
                return BulkState("Aborting", None, None, None, self.abort_at)
            return BulkState("Aborted", None, None, None, self.abort_at + self.abort_delay)
        if now < t_download:
            return BulkState("Submitted", None, None, None, self.submitted_at)
        if now < t_run:
            return BulkState("Downloading", None, None, None, t_download)
        rows = len(self.table.fails) if self.table is not None else 0
        if self.table is None or rows == 0:
            reason = self.bad_file or "The file has no data rows"
            return BulkState("Failed", 0, 0, 0, t_run, reason)
        finish = t_run + rows / self.rate
        if self.abort_at is not None and self.abort_at < finish:
            done = min(rows, int((self.abort_at - t_run) * self.rate + 1e-9))
            if now < self.abort_at + self.abort_delay:
                return BulkState("Aborting", *self._counts(done), self.abort_at)
            return BulkState("Aborted", *self._counts(done), self.abort_at + self.abort_delay)
        if now >= finish:
            return BulkState("Completed", *self._counts(rows), finish)
        done = min(rows, int((now - t_run) * self.rate + 1e-9))
        return BulkState("In Progress", *self._counts(done), t_run + done / self.rate)


def row_files(table: Table, done: int) -> tuple[bytes, bytes]:
    """Success and error row files for the first ``done`` rows (CSV, or JSON lines)."""
    fails = table.fails[:done]
    if table.kind == "jsonl":
        good_lines = [json.dumps(r) for r, f in zip(table.records, fails, strict=False) if not f]
        bad_lines = [
            json.dumps({**r, "errorMessage": FAIL_MESSAGE})
            for r, f in zip(table.records, fails, strict=False)
            if f
        ]
        return ("\n".join(good_lines) + "\n").encode(), ("\n".join(bad_lines) + "\n").encode()
    good = [row for row, f in zip(table.rows, fails, strict=False) if not f]
    bad = [[*row, FAIL_MESSAGE] for row, f in zip(table.rows, fails, strict=False) if f]
    return csv_bytes(table.header, good), csv_bytes([*table.header, "errorMessage"], bad)
