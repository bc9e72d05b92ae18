"""Prometheus metrics: what the store holds, and what a tracking process does.

For an embedding program::

    from jobadapter.metrics import Activity, metrics_app, start_metrics_server

    activity = Activity()
    hub = Hub(store=store, transport=activity.transport())
    hub.plugins.pm.register(activity)          # job events through the event hooks
    start_metrics_server(9464, activity.registry)   # or mount metrics_app(registry)

``store_registry(store)`` adds the store's figures (jobs by status, rows,
duration histograms, tracker lag): export those from one process per store.
"""

from __future__ import annotations

from jobadapter.metrics.activity import Activity, MeteredTransport, ObservedStore, error_kind
from jobadapter.metrics.expose import metrics_app, start_metrics_server, store_registry
from jobadapter.metrics.store_collector import DURATION_BUCKETS, StoreCollector

__all__ = [
    "DURATION_BUCKETS",
    "Activity",
    "MeteredTransport",
    "ObservedStore",
    "StoreCollector",
    "error_kind",
    "metrics_app",
    "start_metrics_server",
    "store_registry",
]
