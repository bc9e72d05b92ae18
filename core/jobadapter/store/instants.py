"""Instants as integer microseconds since the epoch: exact round trips, cheap SQL arithmetic."""

from __future__ import annotations

import datetime as dt

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_MICROSECOND = dt.timedelta(microseconds=1)


def to_us(value: dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"naive datetime {value.isoformat()}: the store keeps instants; give it a timezone"
        )
    return (value - EPOCH) // _MICROSECOND


def to_us_or_none(value: dt.datetime | None) -> int | None:
    return None if value is None else to_us(value)


def from_us(value: int) -> dt.datetime:
    """The aware UTC datetime of ``value`` microseconds since the epoch."""
    return EPOCH + dt.timedelta(microseconds=value)


def from_us_or_none(value: int | None) -> dt.datetime | None:
    return None if value is None else from_us(value)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
