"""Lenient readers for provider numbers and timestamps."""

from __future__ import annotations

import datetime as dt

import pytest
from jobadapter.parsing import (
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
