"""Helpers for the zuora_bulk tests: sample loading, CSV builders, a time-moving sleeper."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from jobadapter.sandbox import SimClock
from jobadapter.testing import FakeSleeper

DATA = Path(__file__).parent / "data"
MASS = "zuora.mass_updater"
BULK = "zuora.bulk_job"
#: 2023-11-14T22:13:20Z: a fixed start, so simulated answers are reproducible.
START = 1_700_000_000.0


def sample(name: str) -> Any:
    """A documented sample answer from ``data/`` (copied verbatim from the docs)."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def csv_rows(count: int, *, failing: tuple[int, ...] = ()) -> bytes:
    """An UpdateAccountingCode-style CSV; data rows numbered from 1 in ``failing`` hold FAIL."""
    lines = ["Accounting Code Name,Type,Notes"]
    for index in range(1, count + 1):
        note = "FAIL" if index in failing else f"row {index}"
        lines.append(f"Code {index},Cash,{note}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def zip_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


class Sleeper(FakeSleeper):
    """A transport ``sleep`` that moves simulated time instead of waiting.

    ``before_retry`` runs first on each call (tests use it to lift injected faults).
    """

    def __init__(self, clock: SimClock) -> None:
        super().__init__(clock)
        self.before_retry: Any = None

    def __call__(self, seconds: float) -> None:
        if self.before_retry is not None:
            self.before_retry()
        super().__call__(seconds)
