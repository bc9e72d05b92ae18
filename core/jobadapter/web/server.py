"""A local server for the dashboard (werkzeug's threaded WSGI server, loopback by default)."""

from __future__ import annotations

from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from jobadapter.store.base import Store
from jobadapter.web.app import Dashboard


def dashboard_server(
    store: Store,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    store_name: str = "",
    refresh: int = 5,
    metrics: Any = None,
) -> BaseWSGIServer:
    """A server (not yet serving) for ``store``; port 0 picks a free one (``server.port``).

    ``metrics``: a WSGI app to answer ``/metrics`` (see :mod:`jobadapter.metrics`).
    """
    mounts = {"/metrics": metrics} if metrics is not None else {}
    app = Dashboard(store, store_name=store_name, refresh=refresh, mounts=mounts)
    return make_server(host, port, app, threaded=True)


def url_of(server: BaseWSGIServer) -> str:
    host = server.host if ":" not in server.host else f"[{server.host}]"
    return f"http://{host}:{server.port}/"
