"""The retry policy alone: backoff with full jitter, its limits, and the wait a
server asks for (Retry-After, RateLimit-Reset)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jobadapter.retry import RetryPolicy, parse_retry_after, wait_hint


@given(attempt=st.integers(min_value=0, max_value=10_000), seed=st.integers(0, 2**32))
def test_backoff_is_full_jitter_within_the_cap(attempt: int, seed: int) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=30.0)
    wait = policy.backoff(attempt, random.Random(seed))
    assert 0.0 <= wait <= min(30.0, 0.5 * 2 ** min(attempt, 60))


def test_backoff_grows_then_caps_and_jitters() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_cap=8.0)
    rng = random.Random(1)
    waits = [policy.backoff(3, rng) for _ in range(500)]
    assert max(waits) <= 8.0 and min(waits) >= 0.0
    assert max(waits) > 6.0 and min(waits) < 2.0  # spread over the whole range
    assert max(policy.backoff(0, rng) for _ in range(200)) <= 1.0


def test_retry_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(budget=-1)


def test_parse_retry_after_seconds_and_dates() -> None:
    now = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 3 ") == 3.0
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after("Wed, 01 May 2024 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now=now) == 0.0  # in the past
    for bad in (None, "", "soon", "-5", "1e999", "nan"):
        assert parse_retry_after(bad, now=now) is None


def test_wait_hint_prefers_retry_after_then_ratelimit_reset() -> None:
    assert wait_hint({"retry-after": "4", "RateLimit-Reset": "50"}) == 4.0
    assert wait_hint({"RateLimit-Reset": "50"}) == 50.0
    assert wait_hint({"ratelimit-reset": "7, 60"}) == 7.0
    assert wait_hint({"Retry-After": "garbage", "RateLimit-Reset": "9"}) == 9.0
    assert wait_hint({"RateLimit-Limit": "100"}) is None
    now = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
    epoch = str(int(now.timestamp()) + 12)
    assert wait_hint({"RateLimit-Reset": epoch}, now=now) == 12.0
