"""What a fast path is held against the general code by: the outcome of a call, its
value or the type of what it raised (benchmark 1, docs/performance.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def outcome(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001  (the exception type is the outcome)
        return type(exc)
