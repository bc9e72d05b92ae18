"""PostgreSQL stopped for a few seconds in the middle of a fleet run: the
workers wait for it and carry on, and nothing is lost.

On a private cluster this test starts itself (its own data directory and
port, the machine's PostgreSQL binaries): the machine's shared cluster
serves other test runs and is never stopped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet_world import BROKERS, Fleet
from private_pg import PrivatePostgres


@pytest.fixture()
def private_pg() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.start()
        cluster.wait_ready()
        yield cluster
    finally:
        cluster.close()


def test_workers_wait_for_a_stopped_database_and_lose_nothing(
    tmp_path: Path, private_pg: PrivatePostgres
) -> None:
    fleet = Fleet(tmp_path, BROKERS["redis"], private_pg.url, speed=10.0)
    try:
        fleet.start_worker()
        fleet.start_worker()
        fleet.wait_for_workers(2)
        jobs = fleet.submit_all(24)
        time.sleep(1.5)  # the fleet is polling

        private_pg.stop()
        time.sleep(4.0)
        assert all(p.poll() is None for p in fleet.workers), "a worker gave up"
        private_pg.start()
        private_pg.wait_ready()

        fleet.wait_until_settled(len(jobs), timeout=120)
        fleet.check_outcomes(jobs)
        assert all(p.poll() is None for p in fleet.workers)
    finally:
        fleet.stop()
