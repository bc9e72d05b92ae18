"""The fast-path tests' transport."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jobadapter.transport import Timeouts, Transport


@pytest.fixture
def transport() -> Iterator[Transport]:
    """A transport with short timeouts that never sleeps between tries, closed after."""
    with Transport(timeouts=Timeouts(connect=2.0, read=5.0), sleep=lambda _: None) as t:
        yield t
