"""Watching many jobs at once: ``hub.track(...)``, ``hub.wait(...)``.

:class:`Tracker` runs the watch; :class:`PollPolicy` decides when to poll;
:class:`HostBudget` and :class:`Lane` keep the request rate and concurrency
within what each provider allows.
"""

from __future__ import annotations

from jobadapter.tracker.budget import HostBudget, Lane, host_key
from jobadapter.tracker.policy import Bounds, Pace, PollPolicy
from jobadapter.tracker.ports import EventSink, JobRoutes, TrackerHost
from jobadapter.tracker.result import TrackResult, WatchStopped
from jobadapter.tracker.schedule import Schedule
from jobadapter.tracker.signals import stop_on_signals
from jobadapter.tracker.store import StoredJobLike, TrackerStore
from jobadapter.tracker.tracker import DeadlineLike, OnEvent, Tracker, TrackItem

__all__ = [
    "Bounds",
    "DeadlineLike",
    "EventSink",
    "HostBudget",
    "JobRoutes",
    "Lane",
    "OnEvent",
    "Pace",
    "PollPolicy",
    "Schedule",
    "StoredJobLike",
    "TrackItem",
    "TrackResult",
    "Tracker",
    "TrackerHost",
    "TrackerStore",
    "WatchStopped",
    "host_key",
    "stop_on_signals",
]
