"""A job's :class:`~jobadapter.tracker.policy.Pace` kept between polls.

In the fleet each poll of a job may run on another worker, so the policy's
per-job state travels in the schedule row as JSON. Its times are epoch
seconds (every host shares the wall clock, not a monotonic one). Written
from the Pace's own slots, so a field the policy adds travels too.
"""

from __future__ import annotations

import json
from typing import Any

from jobadapter.tracker.policy import Bounds, Pace, PollPolicy


def _fields(pace: Pace) -> tuple[str, ...]:
    slots: tuple[str, ...] = getattr(type(pace), "__slots__", ())
    return slots if slots else tuple(vars(pace))


def dump_pace(pace: Pace) -> str:
    return json.dumps({name: getattr(pace, name) for name in _fields(pace)}, separators=(",", ":"))


def load_pace(text: str | None, policy: PollPolicy, bounds: Bounds) -> Pace:
    """The kept pace, or a new one (first poll, or a pace this version cannot read)."""
    pace = policy.start(bounds)
    if not text:
        return pace
    try:
        data: Any = json.loads(text)
    except ValueError:
        return pace
    if not isinstance(data, dict):
        return pace
    for name in _fields(pace):
        if name in data:
            setattr(pace, name, data[name])
    return pace
