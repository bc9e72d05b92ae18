"""``--metrics-port`` for commands that track jobs (``watch``; ``worker`` the same way)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from jobadapter.cli.state import State

F = TypeVar("F", bound=Callable[..., Any])


def metrics_options(command: F) -> F:
    """Add ``--metrics-port`` and ``--metrics-host`` to a command."""
    command = click.option(
        "--metrics-host",
        default="127.0.0.1",
        show_default=True,
        help="Address the metrics endpoint listens on.",
    )(command)
    command = click.option(
        "--metrics-port",
        type=click.IntRange(0, 65535),
        help="Serve Prometheus metrics of this process (and of the store) on this port.",
    )(command)
    return command


@contextlib.contextmanager
def expose_metrics(state: State, port: int | None, host: str) -> Iterator[Any]:
    """With a port: count this process's activity and serve it; yields the store to track with.

    Must run before ``state.hub`` is first used (the hub is built with the
    metered transport). Without a port, yields ``state.store`` and does nothing.
    """
    if port is None:
        yield state.store
        return
    from jobadapter.metrics import Activity, start_metrics_server, store_registry

    activity = Activity()
    state.transport = activity.transport()
    if state.store is not None:
        store_registry(state.store, activity.registry)
    state.hub.plugins.pm.register(activity)
    server, _ = start_metrics_server(port, activity.registry, host=host)
    click.echo(f"metrics at http://{host}:{server.server_port}/metrics", err=True)
    try:
        yield activity.observe_store(state.store)
    finally:
        server.shutdown()
        server.server_close()
