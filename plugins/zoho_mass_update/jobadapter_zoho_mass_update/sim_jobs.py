"""The mass update simulator's jobs and custom views, apart from HTTP.

A job reads simulated time from a :class:`~jobadapter.sandbox.SimClock`, so a
test moves it from SCHEDULED to COMPLETED by advancing the clock.
"""

from __future__ import annotations

import attrs


@attrs.define
class View:
    """A custom view: how many records it holds and how many of them fail to update."""

    records: int
    failing: int = 0


@attrs.define
class SimJob:
    """One scheduled mass update and the simulated time it was created at."""

    id: str
    module: str
    cvid: str
    total: int
    failing: int
    created: float

    def snapshot(self, now: float, *, delay: float, rate: float) -> dict[str, object]:
        """The job as Zoho's status answer shows it at ``now``.

        SCHEDULED for ``delay`` seconds, then RUNNING at ``rate`` records a
        second (failures spread evenly), then COMPLETED, or FAILED when no
        record could be updated. Total = updated + failed + not updated.
        """
        elapsed = now - self.created
        processed = 0 if elapsed < delay else min(self.total, int((elapsed - delay) * rate))
        failed = processed * self.failing // self.total if self.total else 0
        updated = processed - failed
        if elapsed < delay:
            status = "SCHEDULED"
        elif processed < self.total:
            status = "RUNNING"
        else:
            status = "COMPLETED" if updated > 0 or self.total == 0 else "FAILED"
        return {
            "Status": status,
            "Failed_Count": failed,
            "Updated_Count": updated,
            "Not_Updated_Count": self.total - processed,
            "Total_Count": self.total,
        }
