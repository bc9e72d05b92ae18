"""The sandbox tests' simulator (``sim``, holding item 1) and a plain client for the
wire of the servers they start (``pool``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import urllib3
from sandbox_items import Items


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
