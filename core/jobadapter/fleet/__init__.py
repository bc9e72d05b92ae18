"""Tracking on a fleet: any number of Celery workers sharing one store.

The schedule (each open job's next poll, leased to one worker at a time),
each profile's rate and in-flight budget and its access token live in the
shared database; Celery carries batches of leased jobs to the workers. The
decisions are the in-process tracker's (:mod:`jobadapter.tracker.decide`).
Start workers with ``jobadapter worker``; see docs/deployment.md.
"""

from __future__ import annotations

from jobadapter.fleet.db import FleetDB
from jobadapter.fleet.limits import FleetLimits, Permit
from jobadapter.fleet.poller import BatchPoller
from jobadapter.fleet.schedule import Claim, Enrolment, FleetSchedule
from jobadapter.fleet.setup import FleetOptions, open_fleet
from jobadapter.fleet.tokens import FleetTokens, SharedToken
from jobadapter.fleet.worker import FleetWorker, worker_name

__all__ = [
    "BatchPoller",
    "Claim",
    "Enrolment",
    "FleetDB",
    "FleetLimits",
    "FleetOptions",
    "FleetSchedule",
    "FleetTokens",
    "FleetWorker",
    "Permit",
    "SharedToken",
    "open_fleet",
    "worker_name",
]
