"""Timestamps read through their fast paths exactly as the general parse read them."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from fast_reference import outcome
from hypothesis import given, settings
from hypothesis import strategies as st
from jobadapter.parsing import (
    _EPOCH_MS_THRESHOLD,
    _INT_TEXT,
    _parse_loose,
    parse_timestamp,
    parse_timezone,
)

# -- timestamps ----------------------------------------------------------------------


def reference_timestamp(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    """``parse_timestamp`` as it was before its fast paths (``replace``, one branch)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("boolean")
    if isinstance(value, (int, float)) or (
        isinstance(value, str) and value.strip().find("-", 1) < 0 and _INT_TEXT.match(value.strip())
    ):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("not finite")
        if abs(number) >= _EPOCH_MS_THRESHOLD:
            number /= 1000.0
        try:
            return dt.datetime.fromtimestamp(number, tz=dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError("out of range") from None
    if not isinstance(value, str):
        raise ValueError("not a date-time")
    text = value.strip()
    if len(text) > 64:
        raise ValueError("too long")
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = dt.datetime.fromisoformat(iso)
    except ValueError:
        parsed = _parse_loose(iso, "timestamp")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(dt.timezone.utc)


@st.composite
def date_times(draw: st.DrawFn) -> str:
    """The ISO 8601 forms providers send: dates alone or with a time, basic or
    extended, fractions, and every kind of zone suffix (or none)."""
    moment = draw(st.datetimes(min_value=dt.datetime(1971, 1, 1)))
    text = moment.strftime(draw(st.sampled_from(["%Y-%m-%d", "%Y%m%d"])))
    time_part = draw(st.sampled_from(["", "%H", "%H:%M", "%H:%M:%S", "%H%M%S"]))
    if time_part:
        text += draw(st.sampled_from(["T", " ", "t"])) + moment.strftime(time_part)
        digits = draw(st.integers(0, 9))
        if digits and time_part.endswith("S"):
            text += draw(st.sampled_from([".", ","])) + f"{moment.microsecond:06d}000"[:digits]
    return text + draw(st.sampled_from(["", "Z", "z", "+00:00", "-05:30", "+0200", " "]))


timestamps = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**16), max_value=10**16) | st.integers() | st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(timezones=st.none() | st.timezones()).map(str),
    st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="seconds")),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.integers(min_value=0, max_value=10**13).map(str),
    st.text(alphabet="0123456789-:T .Z+\x1c\u2028\t", max_size=25),
)


ZONES = st.sampled_from(["UTC", "America/Los_Angeles", "Europe/Paris", "+05:30", "+02:00"])


def reads_as_the_reference(value: Any, zone: str) -> None:
    tz = parse_timezone(zone)
    expected = outcome(lambda: reference_timestamp(value, tz))
    got = outcome(lambda: parse_timestamp(value, tz=tz))
    assert got == expected
    if isinstance(got, dt.datetime):
        assert got.tzinfo is dt.timezone.utc and got.fold == expected.fold == 0


@settings(max_examples=3000, deadline=None)
@given(timestamps, ZONES)
def test_timestamps_read_as_before_their_fast_paths(value: Any, zone: str) -> None:
    reads_as_the_reference(value, zone)


@settings(max_examples=1000, deadline=None)
@given(date_times(), ZONES)
def test_iso_date_times_read_as_before_their_fast_paths(value: str, zone: str) -> None:
    reads_as_the_reference(value, zone)
