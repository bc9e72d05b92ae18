"""One fleet worker's own loop: heartbeat, take the open jobs of the store
into the schedule, and lease due jobs in batches for the Celery tasks.

Every worker runs this; running it in several at once is harmless: a claim
leases each job to one batch only, and taking in the store's jobs is a
chore one worker at a time does (the others find it taken).
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Sequence
from typing import Any

from jobadapter.clock import Clock
from jobadapter.fleet.intake import StoreIntake
from jobadapter.fleet.poller import BatchPoller
from jobadapter.fleet.schedule import Claim, FleetSchedule
from jobadapter.redact import get_logger

log = get_logger("fleet")

#: Sends one batch to the broker: (lease, the claims as messages).
SendBatch = Callable[[str, list[list[Any]]], None]

#: A worker not seen for this many heartbeats is not listed as live.
MISSED_BEATS = 3


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class FleetWorker:
    """The per-process part of a worker (the Celery tasks call :meth:`poll`)."""

    def __init__(
        self,
        intake: StoreIntake,
        schedule: FleetSchedule,
        poller: BatchPoller,
        clock: Clock,
        *,
        name: str | None = None,
        batch: int = 10,
        batches: int = 8,
        lease_ttl: float = 15.0,
        tick: float = 0.1,
        beat: float = 2.0,
        intake_every: float = 1.0,
    ) -> None:
        self._intake = intake
        self.schedule = schedule
        self.poller = poller
        self.clock = clock
        self.name = name or worker_name()
        self.batch = batch
        self.batches = batches
        self.lease_ttl = lease_ttl
        self.tick = tick
        self.beat = beat
        self.intake_every = intake_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_beat = -1e18
        self._next_intake = -1e18

    def __repr__(self) -> str:
        return f"<FleetWorker {self.name}>"

    # -- the loop every worker runs ----------------------------------------------------

    def intake(self) -> int:
        """Take the store's newest rows and one sweep slice into the schedule
        (due now); returns how many were scheduled or took a new deadline."""
        return self._intake.turn(self.clock.time()).scheduled

    def step(self, send: SendBatch) -> int:
        """One turn of the loop; returns the batches sent."""
        now = self.clock.time()
        if now - self._last_beat >= self.beat:
            self.schedule.heartbeat(self.name, socket.gethostname(), os.getpid(), now=now)
            self._last_beat = now
        # Ask for the intake chore once per period, not every tick: with N
        # workers ticking ten times a second the asking cost more than the chore.
        if now >= self._next_intake:
            self._next_intake = now + self.intake_every
            if self.schedule.take_chore("intake", self.name, now=now, every=self.intake_every):
                added = self.intake()
                if added:
                    log.info("%s: %d open jobs scheduled or re-dated", self.name, added)
        room = self.batches * self.batch - self.schedule.outstanding(self.name, now=now)
        sent = 0
        while room > 0:
            lease = self.schedule.new_lease(self.name)
            claims = self.schedule.claim(
                lease, now=self.clock.time(), ttl=self.lease_ttl, limit=min(room, self.batch)
            )
            if not claims:
                break
            send(lease, [c.as_message() for c in claims])
            room -= len(claims)
            sent += 1
        return sent

    def run(self, send: SendBatch) -> None:
        """Loop until :meth:`stop`; a failing step is logged and tried again."""
        while not self._stop.is_set():
            try:
                if self.step(send):
                    continue
            except Exception:
                log.exception("%s: fleet step failed; trying again", self.name)
            self._stop.wait(self.tick)

    def start(self, send: SendBatch) -> None:
        self._thread = threading.Thread(
            target=self.run, args=(send,), name="jobadapter-fleet", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        try:
            self.schedule.leave(self.name, patience=2.0)
        except Exception:  # noqa: BLE001 - the database may be what is stopping us
            log.warning("%s: could not sign off the fleet", self.name)

    # -- what the Celery task calls --------------------------------------------------------

    def poll(self, lease: str, messages: Sequence[Sequence[Any]]) -> int:
        return self.poller.poll_batch(lease, [Claim.from_message(m) for m in messages])
