"""Per-host budgets and lanes: a token bucket, paused by a 429 and slowed when the
rate-limit window runs low; hosts keyed by origin, lanes bounded per profile."""

from __future__ import annotations

import pytest
from jobadapter import Profile
from jobadapter.tracker import HostBudget, Lane, host_key


def test_host_budget_token_bucket() -> None:
    budget = HostBudget("h", rate=2.0, now=0.0)
    assert budget.try_take(0.0) and budget.try_take(0.0)
    assert not budget.try_take(0.0)
    assert budget.ready_at(0.0) == pytest.approx(0.5)
    assert budget.try_take(0.5) and not budget.try_take(0.5)
    budget.limit_rate(10.0)  # a faster profile does not raise a slower one's limit
    assert budget.ready_at(0.5) == pytest.approx(1.0)
    budget.limit_rate(1.0)
    assert budget.ready_at(0.5) == pytest.approx(1.5)


def test_host_budget_pauses_on_429_and_slows_when_the_window_runs_low() -> None:
    budget = HostBudget("h", now=0.0)
    assert budget.try_take(0.0) and budget.try_take(0.0)  # unlimited by default
    budget.note_response(429, {"Retry-After": "12"}, 1.0)
    assert budget.ready_at(1.0) == 13.0 and not budget.try_take(12.9)
    assert budget.try_take(13.0)
    budget.note_response(
        200, {"RateLimit-Limit": "100", "RateLimit-Remaining": "50", "RateLimit-Reset": "30"}, 14.0
    )
    assert budget.slowdowns == 1  # plenty left: no change
    budget.note_response(
        200,
        {"ratelimit-limit": "100, 100;w=60", "ratelimit-remaining": "5", "ratelimit-reset": "10"},
        14.0,
    )
    assert budget.slowdowns == 2
    assert budget.try_take(14.0) and not budget.try_take(14.0)
    assert budget.ready_at(14.0) == pytest.approx(16.0)  # 5 left in 10 s: one per 2 s
    assert budget.try_take(16.0) and not budget.try_take(17.0) and budget.try_take(18.0)
    assert budget.try_take(25.0) and budget.try_take(25.0)  # window reset: unlimited again
    budget.note_response(200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "x"}, 30.0)
    assert budget.ready_at(30.0) == 31.0  # spent, no usable reset: a short pause


def test_host_key_and_lane() -> None:
    assert host_key(Profile(name="p", provider="x", base_url="https://API.x.test:8443/v1")) == (
        "https://api.x.test:8443"
    )
    assert host_key(Profile(name="p", provider="x")) == "profile:p"
    lane: Lane[str] = Lane("p", 2, HostBudget("h"))
    lane.started()
    lane.started()
    assert not lane.has_room and lane.peak == 2
    lane.finished()
    assert lane.has_room
    with pytest.raises(ValueError):
        Lane("p", 0, HostBudget("h"))
