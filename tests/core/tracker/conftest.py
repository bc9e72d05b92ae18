"""The tracker tests' clock.

``clock`` here is a :class:`FakeClock` that only tests move (the tracker's inline
watches); it replaces, for this folder only, the root conftest's simulated clock."""

from __future__ import annotations

import pytest
from jobadapter.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
