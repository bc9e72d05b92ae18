"""The transport tests' scripted servers on 127.0.0.1: ``server`` and, for redirects
from one host to another, ``other_server``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scriptserver import Server


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def other_server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()
