"""Real fleets for the tests: each on a real broker (Redis and RabbitMQ),
on its own random queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet_world import Fleet

BROKERS = {
    "redis": "redis://127.0.0.1:6379/0",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}


@pytest.fixture(params=sorted(BROKERS))
def broker(request: pytest.FixtureRequest) -> str:
    return BROKERS[str(request.param)]


@pytest.fixture()
def fleet(tmp_path: Path, broker: str) -> Iterator[Fleet]:
    running = Fleet(tmp_path, broker, speed=20.0)
    try:
        yield running
    finally:
        running.stop()
