"""Workers SIGKILLed at random points lose nothing and duplicate nothing.

Three ``jobadapter worker`` processes on one broker track jobs of the four
adapters; one after another is killed (no clean shutdown) and a new one
started. Every job must reach the terminal status the sandbox gave it,
with each transition recorded once, and the sandbox's own log must show no
job polled by two workers at once, one token request per profile, and each
profile's in-flight and rate limits held fleet-wide. ``make soak`` runs it
with 500 jobs (JOBADAPTER_SOAK=1); ``make test`` with enough to prove it.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet_world import (
    Fleet,
    busiest_second,
    crowd_at_peak,
    overlapping_polls,
    peak_in_flight,
    token_requests,
)

JOBS = int(
    os.environ.get("JOBADAPTER_FLEET_JOBS", 500 if os.environ.get("JOBADAPTER_SOAK") else 48)
)
KILLS = 3
MAX_IN_FLIGHT = 2
RATE = 25.0


@pytest.fixture()
def fleet(tmp_path: Path, setup: tuple[str, str]) -> Iterator[Fleet]:
    limits = {"max_in_flight": MAX_IN_FLIGHT, "rate_per_second": RATE}
    running = Fleet(tmp_path, setup[0], setup[1], speed=10.0, limits=limits, latency=0.02)
    try:
        yield running
    finally:
        running.stop()


def test_workers_killed_at_random_lose_nothing(fleet: Fleet) -> None:
    rng = random.Random()
    for _ in range(3):
        fleet.start_worker()
    fleet.wait_for_workers(3)
    jobs = fleet.submit_all(JOBS)
    adapters = {adapter for adapter, _, _ in jobs}
    assert len(adapters) >= 4, adapters

    for _ in range(KILLS):
        time.sleep(rng.uniform(0.5, 2.5))
        fleet.kill_worker(rng)
        fleet.start_worker()
    fleet.wait_until_settled(len(jobs), timeout=240)
    seen = fleet.log.snapshot()
    found = fleet.outcomes(jobs)
    profiles = {
        sim.name: {
            "peak_in_flight": peak_in_flight(seen, sim.name),
            "token_requests": len(token_requests(seen, sim.name)),
            "busiest_second": busiest_second(seen, sim.name),
            "answered_429": sum(1 for r in seen if r.profile == sim.name and r.status == 429),
        }
        for sim in fleet.simulators
    }
    print(  # the soak's figures (make soak runs with -s): one line per variant
        "fleet-kill "
        + json.dumps(
            {
                "setup": fleet.label,
                "jobs": len(jobs),
                "kills": KILLS,
                "lost": len(found["lost"]),
                "duplicated": len(found["duplicated"]),
                "limit": MAX_IN_FLIGHT,
                "profiles": profiles,
            }
        )
    )

    fleet.check_outcomes(jobs)

    assert overlapping_polls(seen) == []
    for sim in fleet.simulators:
        assert profiles[sim.name]["token_requests"] <= 1, (sim.name, profiles)
        if profiles[sim.name]["peak_in_flight"] > MAX_IN_FLIGHT:
            raise AssertionError(f"{sim.name} over its limit: {crowd_at_peak(seen, sim.name)}")
        # A token bucket of RATE per second holding at most RATE: 2 * RATE in any second.
        assert profiles[sim.name]["busiest_second"] <= 2 * RATE, (sim.name, profiles)
