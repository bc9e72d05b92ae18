"""Fixtures the core test modules share.

``clock`` here is a :class:`FakeClock` that only tests move (the tracker's inline
watches); the root conftest's simulated clock serves the plugin folders' simulators."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import urllib3
from jobadapter.clock import FakeClock
from jobadapter.transport import Timeouts, Transport
from sandbox_items import Items


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def no_record_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No recording asked for and no CI flag: cassettes replay as a developer's run does."""
    monkeypatch.delenv("JOBADAPTER_RECORD", raising=False)
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def transport() -> Iterator[Transport]:
    """A transport with short timeouts that never sleeps between tries, closed after."""
    with Transport(timeouts=Timeouts(connect=2.0, read=5.0), sleep=lambda _: None) as t:
        yield t


@pytest.fixture
def pool() -> Iterator[urllib3.PoolManager]:
    """A plain urllib3 client for the sandbox's wire: no retries, a short timeout."""
    with urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=3.0)) as pool:
        yield pool


@pytest.fixture
def sim() -> Items:
    """The sandbox tests' simulator, holding item 1."""
    sim = Items()
    sim.items["1"] = {"id": "1", "name": "first"}
    return sim
