"""Real fleets for the tests: each on a real broker (Redis and RabbitMQ),
on its own random queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet_world import BROKERS, Fleet

#: (broker, store): both brokers on the fleet's store, PostgreSQL; SQLite (one host) once.
SETUPS = [("redis", "postgresql"), ("rabbitmq", "postgresql"), ("redis", "sqlite")]


@pytest.fixture(params=SETUPS, ids=["-".join(setup) for setup in SETUPS])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(broker URL, store URL) for one fleet."""
    broker, store = request.param
    if store == "postgresql":
        return BROKERS[broker], str(request.getfixturevalue("pg_schema_url"))
    return BROKERS[broker], str(tmp_path / "store.sqlite3")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store of either backend (its URL)."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_schema_url"))
    return str(tmp_path / "store.sqlite3")


@pytest.fixture()
def fleet(tmp_path: Path, setup: tuple[str, str]) -> Iterator[Fleet]:
    running = Fleet(tmp_path, setup[0], setup[1], speed=20.0)
    try:
        yield running
    finally:
        running.stop()
