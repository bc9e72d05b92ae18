"""Simulated Mass Updater (``/v1/bulk``): upload, status walk, stop, response file.

A mass action waits ``pending_seconds`` (Pending), then processes
``rows_per_second`` rows (Processing, counts rising), then is Completed; a
file without data rows ends Failed. Stop moves Pending/Processing actions to
Stopping, then Stopped after ``stop_seconds``. Time is the SimClock's.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from typing import Any, ClassVar

import attrs
from jobadapter_zuora_common.simulator import ZuoraSimulatorBase
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from jobadapter_zuora_bulk.mass_updater import MAX_FILE_BYTES
from jobadapter_zuora_bulk.requests import ACTION_TYPES
from jobadapter_zuora_bulk.sim_data import (
    FAIL_MESSAGE,
    BadFile,
    Table,
    csv_bytes,
    naive_time,
    read_table,
    zipped,
)

MAX_UPLOAD = MAX_FILE_BYTES

# Zuora codes the simulator answers (resource 587300 + category).
INVALID_VALUE = 58730020
MISSING_FIELD = 58730022
RULE = 58730030
NOT_FOUND = 58730040
MALFORMED = 58730090


@attrs.frozen
class MassState:
    status: str
    processed: int | None
    succeeded: int | None
    failed: int | None
    started: float | None
    ended: float | None


@attrs.define
class MassAction:
    """One mass action and the timing that drives its status walk."""

    key: str
    action_type: str
    uploaded_on: float
    input_size: int
    table: Table
    pending_for: float
    rate: float
    stop_delay: float
    stop_at: float | None = None
    file_id: str | None = None
    output_size: int | None = None

    @property
    def total(self) -> int:
        return len(self.table.rows)

    def _done_by(self, start: float, moment: float) -> int:
        return min(self.total, max(0, math.floor((moment - start) * self.rate + 1e-9)))

    def _counts(self, processed: int) -> tuple[int, int, int]:
        failed = sum(self.table.fails[:processed])
        return processed, processed - failed, failed

    def state(self, now: float) -> MassState:
        start = self.uploaded_on + self.pending_for
        stop = self.stop_at
        if stop is not None and stop < start:  # stopped while Pending: nothing processed
            if now < stop + self.stop_delay:
                return MassState("Stopping", None, None, None, None, None)
            return MassState("Stopped", 0, 0, 0, None, stop + self.stop_delay)
        if now < start:
            return MassState("Pending", None, None, None, None, None)
        if self.total == 0:
            return MassState("Failed", 0, 0, 0, start, start)
        finish = start + self.total / self.rate
        if stop is not None and stop < finish:
            counts = self._counts(self._done_by(start, stop))
            if now < stop + self.stop_delay:
                return MassState("Stopping", *counts, start, None)
            return MassState("Stopped", *counts, start, stop + self.stop_delay)
        if now >= finish:
            return MassState("Completed", *self._counts(self.total), start, finish)
        return MassState("Processing", *self._counts(self._done_by(start, now)), start, None)

    def result_file(self, processed: int) -> bytes:
        """The zipped response CSV: input columns + Success (Y/N/blank) + Error Message."""
        header = [*self.table.header, "Success", "Error Message"]
        rows = []
        for index, (row, fails) in enumerate(zip(self.table.rows, self.table.fails, strict=True)):
            if index >= processed:
                rows.append([*row, "", ""])
            else:
                rows.append([*row, "N" if fails else "Y", FAIL_MESSAGE if fails else ""])
        return zipped(f"{self.key}.csv", csv_bytes(header, rows))


class MassUpdaterSimulator(ZuoraSimulatorBase):
    """The Mass Updater routes; combined with Bulk Data in :class:`ZuoraBulkSimulator`.

    ``counts_as``: ``"int"`` (the documented sample) or ``"string"`` (the spec's type).
    """

    name: ClassVar[str] = "zuora_mass_updater"
    uploaded_by: ClassVar[str] = "sandbox@example.com"

    def __init__(
        self,
        *,
        pending_seconds: float = 2.0,
        rows_per_second: float = 5.0,
        stop_seconds: float = 1.0,
        counts_as: str = "int",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if counts_as not in ("int", "string"):
            raise ValueError("counts_as is 'int' or 'string'")
        if not rows_per_second > 0:
            raise ValueError("rows_per_second must be > 0")
        self.pending_seconds = float(pending_seconds)
        self.rows_per_second = float(rows_per_second)
        self.stop_seconds = float(stop_seconds)
        self.counts_as = counts_as
        self.mass_actions: dict[str, MassAction] = {}
        self.mass_files: dict[str, bytes] = {}
        self._mass_idempotency: dict[str, tuple[str, str]] = {}
        self._mass_lock = threading.RLock()

    def api_rules(self) -> list[Rule]:
        return [
            *super().api_rules(),
            Rule("/v1/bulk", methods=["POST"], endpoint="mass_submit"),
            Rule("/v1/bulk/<key>", methods=["GET"], endpoint="mass_get"),
            Rule("/v1/bulk/<key>/stop", methods=["PUT"], endpoint="mass_stop"),
            Rule("/v1/files/<file_id>", methods=["GET"], endpoint="zuora_file"),
        ]

    # -- POST /v1/bulk -----------------------------------------------------------------

    def _bad(self, code: int, message: str, status: int = 400) -> Response:
        return self.v1_error(code, message, status)

    def on_mass_submit(self, request: Request) -> Response:
        upload = request.files.get("file")
        if upload is None:
            return self._bad(MISSING_FIELD, "The 'file' part is required")
        params_text = request.form.get("params")
        if params_text is None:
            return self._bad(MISSING_FIELD, "The 'params' part is required")
        try:
            params = json.loads(params_text)
        except ValueError:
            return self._bad(MALFORMED, "'params' must be a JSON object")
        if not isinstance(params, dict):
            return self._bad(MALFORMED, "'params' must be a JSON object")
        data = upload.read(MAX_UPLOAD + 1)
        fingerprint = hashlib.sha256(data + params_text.encode()).hexdigest()
        key = request.headers.get("Idempotency-Key")
        if key:
            with self._mass_lock:
                seen = self._mass_idempotency.get(key)
            if seen is not None:
                if seen[0] != fingerprint:
                    return self._bad(RULE, "Idempotency-Key was already used for another request")
                return self.json_response({"success": True, "bulkKey": seen[1]})
        problem = self._check_upload(params, data, upload.filename or "")
        if problem is not None:
            return problem
        try:
            table = read_table(data)
        except BadFile as exc:
            return self._bad(INVALID_VALUE, f"Cannot read the file: {exc}")
        bulk_key = self.new_hex(32)
        action = MassAction(
            key=bulk_key,
            action_type=params["actionType"],
            uploaded_on=self.clock.now(),
            input_size=len(data),
            table=table,
            pending_for=self.pending_seconds,
            rate=self.rows_per_second,
            stop_delay=self.stop_seconds,
        )
        with self._mass_lock:
            self.mass_actions[bulk_key] = action
            if key:
                self._mass_idempotency[key] = (fingerprint, bulk_key)
        return self.json_response({"success": True, "bulkKey": bulk_key})

    def _check_upload(self, params: dict[str, Any], data: bytes, filename: str) -> Response | None:
        action = params.get("actionType")
        if not action:
            return self._bad(MISSING_FIELD, "actionType is required")
        if action not in ACTION_TYPES:
            valid = ", ".join(ACTION_TYPES)
            return self._bad(INVALID_VALUE, f"Invalid actionType '{action}'. Valid values: {valid}")
        if len(data) > MAX_UPLOAD:
            return self._bad(INVALID_VALUE, "The file exceeds the maximum size of 4 MB", 413)
        if not data.strip():
            return self._bad(INVALID_VALUE, "The file is empty")
        if data[:4] != b"PK\x03\x04" and not filename.lower().endswith(".csv"):
            return self._bad(INVALID_VALUE, "The file must be a .csv file or a zipped .csv file")
        checksum = params.get("checksum")
        if (
            checksum is not None
            and str(checksum).lower() != hashlib.md5(data, usedforsecurity=False).hexdigest()
        ):
            return self._bad(INVALID_VALUE, "The checksum does not match the uploaded file")
        return None

    # -- GET /v1/bulk/{key} ------------------------------------------------------------

    def _action(self, key: str) -> MassAction | None:
        with self._mass_lock:
            return self.mass_actions.get(key)

    def _count(self, value: int | None) -> int | str | None:
        if value is None or self.counts_as == "int":
            return value
        return str(value)

    def mass_answer(self, action: MassAction) -> dict[str, Any]:
        """The documented ``GET /v1/bulk/{key}`` answer for ``action`` now."""
        state = action.state(self.clock.now())
        output_url = None
        if state.status in ("Completed", "Stopped") and state.started is not None:
            output_url = self.url(f"/v1/files/{self._output(action, state)}")
        pending = state.status == "Pending" or state.processed is None
        zone = self.tenant_timezone
        return {
            "actionType": action.action_type,
            "uploadedBy": self.uploaded_by,
            "uploadedOn": naive_time(action.uploaded_on, zone),
            "status": state.status,
            "startedOn": naive_time(state.started, zone),
            "endedOn": naive_time(state.ended, zone),
            "inputSize": action.input_size,
            "outputSize": action.output_size if output_url else None,
            "outputType": "(url:.csv.zip)" if output_url else None,
            "outputURL": output_url,
            "totalCount": None if pending else self._count(action.total),
            "processedCount": self._count(state.processed),
            "successCount": self._count(state.succeeded),
            "errorCount": self._count(state.failed),
            "success": True,
        }

    def _output(self, action: MassAction, state: MassState) -> str:
        with self._mass_lock:
            if action.file_id is None:
                data = action.result_file(state.processed or 0)
                action.file_id = self.new_hex(32)
                action.output_size = len(data)
                self.mass_files[action.file_id] = data
            return action.file_id

    def on_mass_get(self, request: Request, key: str) -> Response:
        action = self._action(key)
        if action is None:  # Zuora answers this one with HTTP 200 and success: false
            return self.v1_error(NOT_FOUND, f"Invalid bulk key: {key}", 200)
        return self.json_response(self.mass_answer(action))

    def on_mass_stop(self, request: Request, key: str) -> Response:
        with self._mass_lock:
            action = self.mass_actions.get(key)
            if action is None:
                return self.v1_error(NOT_FOUND, f"Invalid bulk key: {key}", 200)
            now = self.clock.now()
            status = action.state(now).status
            if status not in ("Pending", "Processing"):
                return self._bad(
                    RULE,
                    f"The mass action is {status}; only Pending or Processing actions can be stopped",
                )
            action.stop_at = now
        return self.json_response({"success": True})

    def on_zuora_file(self, request: Request, file_id: str) -> Response:
        with self._mass_lock:
            data = self.mass_files.get(file_id)
        if data is None:
            return self.v1_error(50000040, f"File {file_id} not found", 404)
        return Response(
            data,
            mimetype="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{file_id}.csv.zip"'},
        )
