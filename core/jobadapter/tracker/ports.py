"""What the tracker needs from the program around it: three narrow ports.

The tracker used to take the whole Hub (and the Hub imported the tracker):
a circle. It needs only a way to reach a job (a connection and an adapter
for a profile), somewhere to send events, and a clock. Any object with
these methods will do: the Hub, a fleet worker, a test double.
"""

from __future__ import annotations

from typing import Protocol

from jobadapter.adapter import Adapter
from jobadapter.clock import Clock
from jobadapter.config import Profile
from jobadapter.connection import Connection
from jobadapter.events import Event


class JobRoutes(Protocol):
    """Reaches a job: the adapter and the connection for a profile."""

    def connection(self, adapter: str, profile: str | Profile | None = None) -> Connection:
        """The connection for ``adapter`` under ``profile`` (resolved as the Hub does)."""

    def adapter(self, name: str, *, profile: str | Profile | None = None) -> Adapter:
        """An instance of adapter ``name`` set up for ``profile``."""


class EventSink(Protocol):
    """Where the plugins' event hooks are called."""

    def emit(self, event: Event) -> None:
        """Hand ``event`` to the hooks; never raises."""


class TrackerHost(JobRoutes, EventSink, Protocol):
    """Everything a :class:`~jobadapter.tracker.Tracker` takes from its host."""

    @property
    def clock(self) -> Clock:
        """The time the watch runs on (a FakeClock in tests)."""
