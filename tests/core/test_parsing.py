"""Lenient readers for provider numbers and timestamps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jobadapter.parsing import (
    _INT_TEXT,
    _from_epoch,
    _parse_loose,
    get_path,
    parse_count,
    parse_timestamp,
    parse_timezone,
)

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (3, 3),
        ("3", 3),
        (" 12 ", 12),
        ("1,000", 1000),
        (4.0, 4),
        ("7.0", 7),
        (0, 0),
    ],
)
def test_counts(value: object, expected: int | None) -> None:
    assert parse_count(value) == expected


@pytest.mark.parametrize("value", ["three", "-1", -5, True, 2.5, float("nan"), [], {}, "1e400"])
def test_bad_counts(value: object) -> None:
    with pytest.raises(ValueError):
        parse_count(value, name="totalCount")


def test_naive_zuora_time_in_tenant_zone() -> None:
    la = parse_timezone("America/Los_Angeles")
    got = parse_timestamp("2015-04-07 14:22:09", tz=la)
    assert got == dt.datetime(2015, 4, 7, 21, 22, 9, tzinfo=UTC)
    assert parse_timestamp("2015-04-07 14:22:09") == dt.datetime(2015, 4, 7, 14, 22, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-02-15T21:54:07Z", dt.datetime(2021, 2, 15, 21, 54, 7, tzinfo=UTC)),
        ("2021-02-15T21:54:07.123Z", dt.datetime(2021, 2, 15, 21, 54, 7, 123000, tzinfo=UTC)),
        ("2021-02-15T21:54:07.123456789Z", dt.datetime(2021, 2, 15, 21, 54, 7, 123456, tzinfo=UTC)),
        ("2021-02-15T23:54:07+02:00", dt.datetime(2021, 2, 15, 21, 54, 7, tzinfo=UTC)),
        ("2021-02-15T23:54:07+0200", dt.datetime(2021, 2, 15, 21, 54, 7, tzinfo=UTC)),
        ("2021-02-15T21:54:07", dt.datetime(2021, 2, 15, 21, 54, 7, tzinfo=UTC)),
        (1613426047, dt.datetime(2021, 2, 15, 21, 54, 7, tzinfo=UTC)),
        ("1613426047", dt.datetime(2021, 2, 15, 21, 54, 7, tzinfo=UTC)),
        (1613426047000, dt.datetime(2021, 2, 15, 21, 54, 7, tzinfo=UTC)),
        (None, None),
        ("", None),
    ],
)
def test_timestamp_forms(text: object, expected: dt.datetime | None) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "value", ["yesterday", "2021-13-01 00:00:00", True, [], "x" * 100, float("inf")]
)
def test_bad_timestamps(value: object) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(value, name="startedOn")


def test_timezones() -> None:
    assert parse_timezone(None) is UTC
    assert parse_timezone("+05:30").utcoffset(None) == dt.timedelta(hours=5, minutes=30)
    with pytest.raises(ValueError, match="IANA"):
        parse_timezone("Mars/Olympus")


def test_get_path() -> None:
    payload = {"data": [{"details": {"job_id": "1"}}]}
    assert get_path(payload, "data", 0, "details", "job_id") == "1"
    assert get_path(payload, "data", 1) is None
    assert get_path(payload, "data", "x") is None
    assert get_path([], "x") is None


def _reference_timestamp(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    """``parse_timestamp`` before its shortcuts (epoch seconds inline, UTC by parsing)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("boolean")
    if isinstance(value, (int, float)):
        return _from_epoch(float(value), value, "t")
    if not isinstance(value, str):
        raise ValueError("type")
    text = value.strip()
    if text.find("-", 1) < 0 and _INT_TEXT.match(text):
        return _from_epoch(float(value), value, "t")
    if len(text) > 64:
        raise ValueError("long")
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = dt.datetime.fromisoformat(iso)
    except ValueError:
        parsed = _parse_loose(iso, "t")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


_ZONES = [UTC, parse_timezone("+02:00"), parse_timezone("America/Los_Angeles")]


@st.composite
def _date_times(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=dt.datetime(1971, 1, 1)))
    text = moment.strftime(draw(st.sampled_from(["%Y-%m-%d", "%Y%m%d"])))
    time_part = draw(st.sampled_from(["", "%H", "%H:%M", "%H:%M:%S", "%H%M%S"]))
    if time_part:
        text += draw(st.sampled_from(["T", " ", "t"])) + moment.strftime(time_part)
        digits = draw(st.integers(0, 9))
        if digits and time_part.endswith("S"):
            text += draw(st.sampled_from([".", ","])) + f"{moment.microsecond:06d}000"[:digits]
    return text + draw(st.sampled_from(["", "Z", "z", "+00:00", "-05:30", "+0200", " "]))


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(
        _date_times(),
        st.integers(min_value=-(10**13), max_value=10**13),
        st.floats(allow_nan=True),
        st.text(max_size=30),
        st.none(),
        st.booleans(),
    ),
    st.sampled_from(_ZONES),
)
def test_timestamp_shortcuts_agree_with_the_reference(value: Any, tz: dt.tzinfo) -> None:
    try:
        expected = _reference_timestamp(value, tz)
    except (ValueError, OverflowError, OSError) as exc:
        with pytest.raises(type(exc)):
            parse_timestamp(value, tz=tz)
        return
    got = parse_timestamp(value, tz=tz)
    assert got == expected
    if got is not None and expected is not None:
        assert got.tzinfo is expected.tzinfo is UTC and got.fold == expected.fold == 0
