"""Fixtures the core test modules share.

``clock`` here is a :class:`FakeClock` that only tests move (the tracker's inline
watches); the root conftest's simulated clock serves the plugin folders' simulators."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jobadapter.clock import FakeClock
from jobadapter.transport import Timeouts, Transport


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
