"""A profile's ``max_in_flight`` holds fleet-wide, as the provider counts it.

The provider counts a request in flight from when it arrives until it has
answered, whatever the client does meanwhile. So a slot must cover a poll's
whole call (its retries and the waits between them: a 429's Retry-After), and
an answer the client gave up on keeps its slot, since the provider may still
be working on it. And the slot count itself must hold across processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jobadapter.cli.sandbox_cmd import profiles_toml, start_sandbox
from jobadapter.clock import SystemClock
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.fleet import FleetDB, FleetLimits, FleetOptions, open_fleet
from jobadapter.fleet.schedule import Enrolment
from jobadapter.hub import Hub
from jobadapter.sandbox import Faults
from jobadapter.store import open_store

SIM = "zoho_bulk"  # its token endpoint is never faulted: only the polls are
SLOT = 2.0

HAMMER = """
import json, sys, threading, time
from jobadapter.clock import SystemClock
from jobadapter.config import profile_from_mapping
from jobadapter.fleet import FleetDB, FleetLimits

url, count = sys.argv[1], int(sys.argv[2])
limits = FleetLimits(FleetDB(url), SystemClock(), slot_ttl=30.0)
profile = profile_from_mapping("p", {"provider": "zoho", "base_url": "https://x.test",
                                     "max_in_flight": 2, "rate_per_second": 1000.0})
held = []
def run():
    got = 0
    while got < count:
        permit = limits.acquire(profile, "hammer")
        if not permit.granted:
            time.sleep(0.002)
            continue
        start = time.monotonic(); time.sleep(0.003); held.append((start, time.monotonic()))
        limits.release(permit)
        got += 1
threads = [threading.Thread(target=run) for _ in range(2)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(held))
"""


def peak(intervals: list[tuple[float, float]]) -> int:
    edges = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals])
    level = top = 0
    for _, step in edges:
        level += step
        top = max(top, level)
    return top


def test_processes_hammering_one_profile_never_hold_more_than_its_slots(store_url: str) -> None:
    FleetLimits(FleetDB(store_url), SystemClock()).create()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, store_url, "12"], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    held = [tuple(i) for p in procs for i in json.loads(p.communicate(timeout=120)[0])]
    assert len(held) == 3 * 2 * 12
    assert peak(held) == 2  # reached, never passed (times are one machine's monotonic clock)


class World:
    """A sandbox, a store (SQLite unless ``url``), one open Zoho bulk job and a fleet poller on it."""

    def __init__(self, root: Path, url: str | None = None) -> None:
        self.url = url or str(root / "store.sqlite3")
        self.store = open_store(self.url)
        self.hub = Hub(config=False, store=self.store, load_entrypoints=True)
        self.server, sims = start_sandbox(self.hub, speed=20.0)
        self.sim = next(s for s in sims if s.name == SIM)
        table = {**self.sim.profile(), "max_in_flight": 1}
        self.profile: Profile = profile_from_mapping(SIM, table, source="test")
        self.hub.add_profile(self.profile)
        (root / "profiles.toml").write_text(profiles_toml({SIM: table}), encoding="utf-8")
        demo = self.sim.demo_requests()[0]
        self.job = self.hub.submit(demo.adapter, demo.request, profile=SIM)
        self.worker = open_fleet(self.url, self.hub, self.store, FleetOptions(lease=SLOT))
        self.limits = self.worker.poller.limits
        assert self.limits is not None

    def poll_once(self) -> float:
        """Claim the job and poll it once; returns when the poll began (monotonic)."""
        schedule = self.worker.schedule
        now = time.time()
        schedule.enrol([Enrolment(self.job.adapter, self.job.id, SIM, None)], now)
        claims = schedule.claim("test#1", now=now, ttl=SLOT, limit=1)
        assert len(claims) == 1
        began = time.monotonic()
        self.worker.poller.poll_batch("test#1", claims)
        return began

    def close(self) -> None:
        self.server.stop()
        self.hub.close()
        self.store.close()


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    made = World(tmp_path)
    try:
        yield made
    finally:
        made.close()


def test_a_poll_told_to_wait_gives_its_slot_back_instead_of_outliving_it(world: World) -> None:
    # Every poll answered 429 "Retry-After: 1": the transport would wait and retry
    # (5 tries, 4 s) long after the slot of SLOT seconds had freed for another worker.
    world.server.faults = Faults(rate_limit=1.0, retry_after=1.0)
    began = world.poll_once()

    assert world.server.injected["rate_limit"] >= 1  # the poll was sent, and refused
    assert time.monotonic() - began < SLOT  # every try ended inside the slot
    assert world.limits.acquire(world.profile, "next").granted  # answered: slot given back


def test_an_answer_given_up_on_keeps_its_slot_until_it_expires(world: World) -> None:
    # The provider takes longer than the poll may wait: the client stops waiting,
    # the provider still works on it, so the slot stays taken until it expires.
    world.server.faults = Faults(latency=SLOT * 1.5)
    began = world.poll_once()

    assert time.monotonic() - began < SLOT * 0.9  # the poll stopped waiting (at ~SLOT / 2)
    assert not world.limits.acquire(world.profile, "next").granted
    time.sleep(max(0.0, began + SLOT + 0.1 - time.monotonic()))
    assert world.limits.acquire(world.profile, "next").granted


def test_an_answered_poll_gives_its_slot_back_with_its_settle(
    tmp_path: Path, store_url: str
) -> None:
    # A poll's round trips to the fleet's tables: the batch's renewal, the permit, and
    # the settle, which frees the slot in the same statement (one commit, not two).
    world = World(tmp_path, store_url)
    try:
        db = world.worker.schedule.db
        assert world.limits.db is db
        world.poll_once()  # the first poll also fetches the fleet's token
        db.run(lambda cur: cur.execute("UPDATE fleet_schedule SET due = 0"))  # due again
        calls: list[str] = []
        real_run = db.run

        def counting_run(work: Any, **options: Any) -> Any:
            calls.append(work.__qualname__.split(".")[0])
            return real_run(work, **options)

        db.run = counting_run  # type: ignore[method-assign]
        world.poll_once()
        db.run = real_run  # type: ignore[method-assign]
        # enrol and claim are the test's; then the renewal, the permit, the settle.
        assert calls == ["FleetSchedule"] * 3 + ["FleetLimits", "FleetSchedule"], calls
        assert world.limits.acquire(world.profile, "next").granted
    finally:
        world.close()


def test_a_poll_whose_recording_failed_still_gives_its_slot_back(world: World) -> None:
    # The provider answered, so the slot is free whatever happens after: a store
    # that fails to record the answer must not keep the slot until it expires.
    def failing_observe(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the store is full")

    world.store.observe = failing_observe  # type: ignore[method-assign]
    world.poll_once()  # logged, and the job left to its lease
    assert world.sim.log.snapshot()  # the poll was sent
    assert world.limits.acquire(world.profile, "next").granted


def test_the_database_function_decides_as_the_statements_do(pg_schema_url: str) -> None:
    # On PostgreSQL a permit is one call of fleet_take_permit; the statement-by-
    # statement path (kept for SQLite) must give the same answers to the same
    # script of asks, releases and time steps.
    from jobadapter.clock import FakeClock

    def script(in_database: bool) -> list[tuple[bool, float]]:
        db = FleetDB(pg_schema_url)
        clock = FakeClock(start=1000.0)
        limits = FleetLimits(db, clock, slot_ttl=10.0, in_database=in_database)
        limits.create()
        name = f"p{int(in_database)}"
        rated = profile_from_mapping(
            name,
            {
                "provider": "zoho",
                "base_url": "https://x.test",
                "max_in_flight": 4,
                "rate_per_second": 2.0,
            },
        )
        free = profile_from_mapping(
            name + "-free",
            {"provider": "zoho", "base_url": "https://x.test", "max_in_flight": 1},
        )
        answers: list[tuple[bool, float]] = []
        held = []
        try:
            for step in range(40):
                profile = free if step % 5 == 4 else rated
                permit = limits.acquire(profile, "w#1")
                answers.append((permit.granted, round(permit.wait, 9)))
                if permit.granted:
                    held.append(permit)
                if step % 3 == 2 and held:
                    limits.release(held.pop(0), answered=step % 2 == 0)
                clock.advance(0.1 if step % 7 else 11.0)  # now and then past every slot
        finally:
            db.close()
        return answers

    by_function, by_statements = script(True), script(False)
    assert by_function == by_statements
    assert {granted for granted, _ in by_function} == {True, False}
    assert any(wait == 0.05 for _, wait in by_function)  # in-flight full
    assert any(0 < wait < 0.05 or wait > 0.05 for _, wait in by_function)  # rate


def test_sqlite_has_no_permit_function(tmp_path: Path) -> None:
    open_store(tmp_path / "s.sqlite3").close()
    with pytest.raises(ValueError, match="PostgreSQL only"):
        FleetLimits(FleetDB(str(tmp_path / "s.sqlite3")), SystemClock(), in_database=True)
