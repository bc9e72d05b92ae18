"""Lenient readers for the values providers send: numbers as strings or
null, timestamps in every documented form. Each raises ``ValueError`` with a
short reason; adapters turn that into a :class:`ProviderResponseError`."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from jobadapter.model import MAX_COUNT

UTC = dt.timezone.utc

_INT_TEXT = re.compile(r"^[+-]?\d+(\.0+)?$")
_NAIVE_SPACE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$")
_EPOCH_MS_THRESHOLD = 100_000_000_000  # past this, an epoch number is in milliseconds


def parse_count(value: Any, *, name: str = "count") -> int | None:
    """An optional non-negative integer from an int, a numeric string or null."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} is a boolean, expected a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"{name} is {value!r}, expected a whole number")
        number = int(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        if not _INT_TEXT.match(text):
            raise ValueError(f"{name} is {value[:40]!r}, expected a whole number")
        if len(text) > 40:  # past any count a job has, and int() of it would be slow
            raise ValueError(f"{name} has {len(text)} characters, too many for a count")
        number = int(text.partition(".")[0])  # "12.00": exact, unlike int(float(text))
    else:
        raise ValueError(f"{name} is a {type(value).__name__}, expected a number")
    if number < 0:
        raise ValueError(f"{name} is negative ({number})")
    if number > MAX_COUNT:
        shown = number if number < 10**30 else f"a {len(str(number))}-digit number"
        raise ValueError(f"{name} is {shown}, more than any job's row count ({MAX_COUNT})")
    return number


def parse_timezone(name: str | dt.tzinfo | None) -> dt.tzinfo:
    """A tzinfo from an IANA name (``Europe/Paris``), ``UTC`` or an offset ``+02:00``."""
    if name is None:
        return UTC
    if isinstance(name, dt.tzinfo):
        return name
    text = name.strip()
    if text.upper() in ("UTC", "Z", "GMT", ""):
        return UTC
    offset = re.match(r"^([+-])(\d{2}):?(\d{2})$", text)
    if offset:
        sign = 1 if offset.group(1) == "+" else -1
        delta = dt.timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
        return dt.timezone(sign * delta)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only for a zone by name

    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r}: use an IANA name such as 'America/Los_Angeles' or an offset like '+02:00'"
        ) from None


def parse_timestamp(
    value: Any, *, tz: dt.tzinfo = UTC, name: str = "timestamp"
) -> dt.datetime | None:
    """An aware UTC datetime from any documented form, or None for null/empty.

    Accepted: naive ``yyyy-MM-dd HH:mm:ss`` (read in ``tz``), ISO-8601 with or
    without fraction and zone (naive ones read in ``tz``), epoch seconds (or
    milliseconds, by magnitude) as a number or numeric string.
    """
    cls = value.__class__
    if cls is int:  # the usual epoch answer (bool is a subclass, not int)
        if -_EPOCH_MS_THRESHOLD < value < _EPOCH_MS_THRESHOLD:
            try:  # ``_from_epoch``, inline: seconds, always finite
                return dt.datetime.fromtimestamp(value, UTC)
            except (OverflowError, OSError, ValueError):
                raise ValueError(f"{name} {value!r} is out of range") from None
        return _from_epoch(value, value, name)
    if cls is not str:  # the usual date-time is a str: these tests are for the rest
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ValueError(f"{name} is a boolean")
        if isinstance(value, (int, float)):
            return _from_epoch(float(value), value, name)
        if not isinstance(value, str):
            raise ValueError(f"{name} is a {type(value).__name__}, expected a date-time")
    elif not value:
        return None
    text = value.strip()
    # a "-" past the sign is a date, never a number: no regex for every date-time
    if text.find("-", 1) < 0 and _INT_TEXT.match(text):
        return _from_epoch(float(value), value, name)  # float() strips less than strip()
    if len(text) > 64:
        raise ValueError(f"{name} is too long to be a date-time")
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = dt.datetime.fromisoformat(iso)
    except ValueError:
        parsed = _parse_loose(iso, name)
    zone = parsed.tzinfo
    if zone is UTC:  # "+00:00" and "Z" give the UTC singleton: nothing to convert
        return parsed
    if zone is None:
        if tz is UTC and iso[10:11] in ("T", " "):
            # A full naive date-time read as UTC: parsing it with "+00:00" is half the
            # cost of building it again from its fields (kept only when that gives UTC).
            try:
                aware = dt.datetime.fromisoformat(iso + "+00:00")
            except ValueError:
                aware = None
            if aware is not None and aware.tzinfo is UTC:
                return aware
        # ``replace(tzinfo=tz)`` at a third of its cost (both parsers give fold=0);
        # keyword arguments are what make these C calls slow, here and below
        parsed = dt.datetime(
            parsed.year,
            parsed.month,
            parsed.day,
            parsed.hour,
            parsed.minute,
            parsed.second,
            parsed.microsecond,
            tz,
        )
    return parsed.astimezone(UTC)


def _from_epoch(number: float, value: Any, name: str) -> dt.datetime:
    """Epoch seconds, or milliseconds past ``_EPOCH_MS_THRESHOLD``, as a UTC datetime."""
    if not math.isfinite(number):
        raise ValueError(f"{name} is not a finite number")
    if abs(number) >= _EPOCH_MS_THRESHOLD:
        number /= 1000.0
    try:
        return dt.datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{name} {value!r} is out of range") from None


def _parse_loose(text: str, name: str) -> dt.datetime:
    """ISO forms older Pythons' fromisoformat misses (fractions of any length, +hhmm)."""
    match = re.match(
        r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
        r"(?:([+-])(\d{2}):?(\d{2}))?$",
        text,
    )
    if not match:
        raise ValueError(f"{name} {text[:40]!r} is not a recognised date-time")
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    tz: dt.tzinfo | None = None
    if match.group(8):
        sign = 1 if match.group(8) == "+" else -1
        tz = dt.timezone(
            sign * dt.timedelta(hours=int(match.group(9)), minutes=int(match.group(10)))
        )
    try:
        return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError as exc:
        raise ValueError(f"{name} {text[:40]!r}: {exc}") from None


def get_path(payload: Any, *path: str | int) -> Any:
    """``payload[p0][p1]...`` or None when any step is missing or of the wrong type."""
    current = payload
    for step in path:
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return None
        elif not isinstance(current, Mapping) or step not in current:
            return None
        current = current[step]
    return current


def optional_str(value: Any, *, name: str = "value", limit: int = 4096) -> str | None:
    """A string field that may be null; numbers are accepted as text."""
    if value is None:
        return None
    if value.__class__ is str and len(value) <= limit:  # the usual case, checked first
        return value
    if isinstance(value, bool):
        raise ValueError(f"{name} is a boolean, expected text")
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"{name} is a {type(value).__name__}, expected text")
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
    return value
