"""Ways to expose metrics: a WSGI app to mount, or a small server of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, make_wsgi_app, start_http_server

from jobadapter.metrics.store_collector import StoreCollector
from jobadapter.store.base import Store

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def store_registry(store: Store, registry: CollectorRegistry | None = None) -> CollectorRegistry:
    """``registry`` (a new one by default) with the store's figures registered on it."""
    registry = registry or CollectorRegistry()
    registry.register(StoreCollector(store))
    return registry


def metrics_app(registry: CollectorRegistry) -> WSGIApp:
    """A WSGI app answering in the Prometheus text format (mount it at ``/metrics``)."""
    app: WSGIApp = make_wsgi_app(registry)
    return app


def start_metrics_server(
    port: int, registry: CollectorRegistry, *, host: str = "127.0.0.1"
) -> tuple[Any, threading.Thread]:
    """Serve ``registry`` on ``host:port`` from a daemon thread; ``server.shutdown()`` stops it.

    Port 0 picks a free port: ``server.server_port``.
    """
    server, thread = start_http_server(port, addr=host, registry=registry)
    return server, thread
