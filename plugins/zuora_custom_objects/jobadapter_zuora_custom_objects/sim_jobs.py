"""One simulated Custom Object bulk job apart from HTTP: how simulated time moves
it, and its answer bodies (``CustomObjectBulkJobResponse`` and its row errors)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import attrs

ROW_ERROR_CODE = 71012520


def _iso(seconds: float) -> str:
    """Zuora's form: UTC with milliseconds, ``2021-03-10T00:05:54.207Z``."""
    moment = dt.datetime.fromtimestamp(round(seconds, 3), tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@attrs.define
class SimJob:
    """One simulated job; ``status`` and counters move only in :meth:`advance`."""

    id: str
    user: str
    namespace: str
    object: str
    operation: str
    created: float
    status: str
    updated: float
    serial: int = 0  # creation order, for listing jobs created in the same instant
    total: int = 0
    failing_rows: tuple[int, ...] = ()  # CSV row numbers (2 = first data row)
    records: dict[int, dict[str, str]] = attrs.field(factory=dict)
    started: float | None = None
    ended: float | None = None
    processed: int = 0
    #: The job's own error (code, message) when it failed as a whole, not by its rows.
    error: tuple[int, str] | None = None

    def advance(self, now: float, rate: float, accept_delay: float) -> None:
        """Bring the job to where simulated time ``now`` has taken it."""
        if self.status == "accepted" and now >= self.created + accept_delay:
            self.start(self.created + accept_delay)
        if self.status != "in_progress" or self.started is None:
            return
        duration = self.total / rate
        elapsed = round(now - self.started, 6)  # epoch floats carry noise below a microsecond
        if elapsed >= duration:
            self.processed = self.total
            self.ended = self.started + duration
            self.updated = self.ended
            all_failed = self.total > 0 and len(self.failing_rows) == self.total
            self.status = "failed" if all_failed else "completed"
            return
        done = min(self.total, math.floor(elapsed * rate))
        if done != self.processed:
            self.processed = done
            self.updated = self.started + done / rate

    def start(self, when: float) -> None:
        self.status = "in_progress"
        self.started = when
        self.updated = when

    def body(self, now: float) -> dict[str, Any]:
        """The job as ``CustomObjectBulkJobResponse``."""
        if self.started is None:
            elapsed = 0.0
        else:
            elapsed = (self.ended if self.ended is not None else now) - self.started
        body: dict[str, Any] = {
            "Id": self.id,
            "CreatedById": self.user,
            "CreatedDate": _iso(self.created),
            "UpdatedById": self.user,
            "UpdatedDate": _iso(self.updated),
            "namespace": self.namespace,
            "object": self.object,
            "operation": self.operation,
            "processingTime": max(0, round(elapsed * 1000)),
            "recordsProcessed": self.processed,
            "status": self.status,
        }
        if self.status == "failed" and self.error is not None:
            body["error"] = {"code": self.error[0], "message": self.error[1]}
        elif self.status == "failed":
            body["error"] = {
                "code": ROW_ERROR_CODE,
                "message": (
                    f"All {self.total} records failed; "
                    f"list them with GET /objects/jobs/{self.id}/errors"
                ),
            }
        return body

    def row_errors(self) -> list[dict[str, Any]]:
        """The failed rows processing has reached (``CustomObjectBulkJobErrorResponse``)."""
        reached = self.processed + 1  # row numbers start at 2
        return [
            {
                "code": ROW_ERROR_CODE,
                "message": f"row {row}: a field holds the failure marker",
                "row": row,
                "record": self.records.get(row, {}),
            }
            for row in self.failing_rows
            if row <= reached
        ]
