"""Putting a worker together from a store URL, a host (the Hub) and options."""

from __future__ import annotations

import attrs

from jobadapter.fleet.db import FleetDB
from jobadapter.fleet.intake import StoreIntake
from jobadapter.fleet.limits import FleetLimits
from jobadapter.fleet.poller import BatchPoller
from jobadapter.fleet.schedule import FleetSchedule
from jobadapter.fleet.tokens import FleetTokens
from jobadapter.fleet.worker import FleetWorker
from jobadapter.tracker.policy import PollPolicy
from jobadapter.tracker.ports import TrackerHost
from jobadapter.tracker.store import TrackerStore


@attrs.frozen
class FleetOptions:
    """How one worker works. ``batch``: jobs per task; ``batches``: tasks a
    worker keeps leased ahead; ``lease``: seconds a claim holds (a dead
    worker's jobs move on after this); ``name``: default host-pid."""

    batch: int = attrs.field(default=10, validator=attrs.validators.ge(1))
    batches: int = attrs.field(default=8, validator=attrs.validators.ge(1))
    lease: float = attrs.field(default=15.0, validator=attrs.validators.gt(1.0))
    tick: float = attrs.field(default=0.1, validator=attrs.validators.gt(0.0))
    name: str | None = None
    policy: PollPolicy | None = None


def open_fleet(
    url: str | None, host: TrackerHost, store: TrackerStore, options: FleetOptions | None = None
) -> FleetWorker:
    """A worker on the database at ``url`` (the store's), its tables created if new."""
    options = options or FleetOptions()
    db = FleetDB(url)
    schedule = FleetSchedule(db)
    schedule.create()
    intake = StoreIntake(schedule)
    intake.create()
    limits = FleetLimits(db, host.clock, slot_ttl=options.lease)
    limits.create()
    tokens = FleetTokens(db)
    tokens.create()
    poller = BatchPoller(
        host,
        store,
        schedule,
        lease_ttl=options.lease,
        policy=options.policy,
        limits=limits,
        tokens=tokens,
    )
    return FleetWorker(
        intake,
        schedule,
        poller,
        host.clock,
        name=options.name,
        batch=options.batch,
        batches=options.batches,
        lease_ttl=options.lease,
        tick=options.tick,
    )
