"""The routes a watch polls by: one per (adapter, profile), with the profile's
lane and the host's rate budget shared by every job on them."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

from jobadapter.adapter import Adapter, check_verb
from jobadapter.clock import Clock, utc_from_epoch
from jobadapter.config import Profile
from jobadapter.model import Job
from jobadapter.tracker.budget import HostBudget, Lane, host_key
from jobadapter.tracker.observed import TrackedConnection
from jobadapter.tracker.policy import Bounds, Pace
from jobadapter.tracker.ports import JobRoutes
from jobadapter.tracker.result import Key
from jobadapter.tracker.schedule import UNSCHEDULED

#: A watch deadline: an aware datetime (absolute), a timedelta or seconds from now.
DeadlineLike: TypeAlias = dt.datetime | dt.timedelta | float | int | None


class Route:
    """What polls of one adapter under one profile share."""

    __slots__ = ("adapter", "bounds", "conn", "lane", "profile")

    def __init__(
        self, adapter: Adapter, conn: TrackedConnection, lane: Lane[Watch], bounds: Bounds
    ) -> None:
        self.adapter = adapter
        self.conn = conn
        self.lane = lane
        self.bounds = bounds
        self.profile: Profile = conn.profile


class Watch:
    """One watched job (slotted: the tracker may hold tens of thousands)."""

    __slots__ = (
        "busy",
        "deadline",
        "deadline_at",
        "fetched_at",
        "key",
        "last",
        "pace",
        "route",
        "store_deadline",
        "ticket",
    )

    def __init__(self, key: Key, route: Route, last: Job | None, pace: Pace) -> None:
        self.key = key
        self.route = route
        self.last = last
        self.pace = pace
        self.deadline: dt.datetime | None = None
        #: The deadline on the scheduler's (monotonic) time line.
        self.deadline_at: float | None = None
        #: The deadline still has to be written to the store (after the job's first row).
        self.store_deadline = False
        self.ticket = UNSCHEDULED
        #: A poll of it is in flight.
        self.busy = False
        #: When the poll in flight (or the last one) was sent: its answer's time.
        self.fetched_at: dt.datetime | None = None

    def __repr__(self) -> str:
        status = self.last.status.value if self.last is not None else "unseen"
        return f"<watch {self.key[0]} {self.key[1]} {status}>"


class RouteBook:
    """Routes, lanes and host budgets, built once each from ``routes``."""

    def __init__(self, routes: JobRoutes, clock: Clock) -> None:
        self._source = routes
        self._clock = clock
        self._routes: dict[tuple[str, object], Route] = {}
        self.lanes: dict[str, Lane[Watch]] = {}
        self._hosts: dict[str, HostBudget] = {}

    def route(self, adapter: str, profile: str | Profile | None) -> Route:
        """The route of ``adapter`` under ``profile``; raises what the source
        raises for an unknown adapter or profile, NotSupported without ``get``."""
        wanted: object = profile if not isinstance(profile, Profile) else id(profile)
        route = self._routes.get((adapter, wanted))
        if route is not None:
            return route
        base = self._source.connection(adapter, profile)
        prof = base.profile
        instance = self._source.adapter(adapter, profile=prof)
        check_verb(instance, "get")
        lane = self._lane(prof)
        conn = TrackedConnection(base, lane.host, self._clock)
        route = Route(instance, conn, lane, Bounds.of(type(instance).poll_interval, prof))
        self._routes[(adapter, wanted)] = route
        return route

    def _lane(self, profile: Profile) -> Lane[Watch]:
        lane = self.lanes.get(profile.name)
        if lane is None:
            key = host_key(profile)
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = HostBudget(key, now=self._clock.monotonic())
            lane = self.lanes[profile.name] = Lane(profile.name, profile.max_in_flight, host)
        lane.host.limit_rate(profile.rate_per_second)
        return lane


def absolute_deadline(deadline: DeadlineLike, clock: Clock) -> dt.datetime | None:
    """``deadline`` as an aware UTC instant (None stays None); a clear error otherwise."""
    if deadline is None:
        return None
    if isinstance(deadline, dt.datetime):
        if deadline.tzinfo is None or deadline.utcoffset() is None:
            raise ValueError(
                f"deadline {deadline.isoformat()} has no timezone: give an aware datetime "
                "(e.g. datetime.now(timezone.utc) + timedelta(hours=1)) or seconds from now"
            )
        return deadline.astimezone(dt.timezone.utc)
    if isinstance(deadline, dt.timedelta):
        return utc_from_epoch(clock.time() + deadline.total_seconds())
    if isinstance(deadline, (int, float)) and not isinstance(deadline, bool):
        return utc_from_epoch(clock.time() + float(deadline))
    raise TypeError(
        f"deadline must be an aware datetime, a timedelta or seconds from now, got {deadline!r}"
    )
