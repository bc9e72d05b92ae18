"""``jobadapter serve``: the read-only dashboard of the store, with its JSON API and /metrics."""

from __future__ import annotations

import click

from jobadapter.cli.state import State


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=int, help="Port (0: any free one).")
@click.option(
    "--refresh",
    default=5,
    show_default=True,
    type=click.IntRange(0, 3600),
    help="Seconds between page reloads while jobs are moving (0: never).",
)
@click.pass_obj
def serve_command(state: State, host: str, port: int, refresh: int) -> None:
    """Serve a read-only dashboard of the store: overview, job list, one job's
    timeline, a JSON API under /api and Prometheus metrics at /metrics.

    \b
    Examples:
      jobadapter serve                       # http://127.0.0.1:8765/
      jobadapter --store jobs.sqlite3 serve --port 9000
    """
    from jobadapter.metrics import metrics_app, store_registry
    from jobadapter.store.urls import safe_url
    from jobadapter.web.server import dashboard_server, url_of

    store = state.store
    if store is None:
        raise click.UsageError("the dashboard shows the store: do not pass --no-store")
    # A password in a PostgreSQL URL is masked: the name is shown on every page.
    name = safe_url(state.store_url) if state.store_url else str(getattr(store, "path", "store"))
    server = dashboard_server(
        store,
        host=host,
        port=port,
        store_name=name,
        refresh=refresh,
        metrics=metrics_app(store_registry(store)),
    )
    click.echo(f"dashboard of {name} at {url_of(server)} (read-only; Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(serve_command)
