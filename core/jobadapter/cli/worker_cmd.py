"""``jobadapter worker`` starts one fleet worker; ``jobadapter fleet`` shows the fleet."""

from __future__ import annotations

import time
from typing import Any

import click

from jobadapter.cli.metrics_opts import expose_metrics, metrics_options
from jobadapter.cli.output import echo_json
from jobadapter.cli.state import State

BROKER_ENV = "JOBADAPTER_BROKER_URL"
#: A worker not seen for this long is not listed.
ALIVE_WITHIN = 10.0


def store_url(state: State) -> str | None:
    """The store every worker shares (``--store`` / $JOBADAPTER_STORE; None: the default file)."""
    if not state.use_store:
        raise click.UsageError("the fleet keeps its schedule in the store: do not pass --no-store")
    return state.store_url


@click.command("worker")
@click.option(
    "--broker",
    envvar=BROKER_ENV,
    help=f"Celery broker URL: redis://host:6379/0 or amqp://user:pw@host// (${BROKER_ENV}).",
)
@click.option("--queue", default="jobadapter", show_default=True, help="Broker queue name.")
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 256))
@click.option("--batch", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--lease",
    default=15.0,
    show_default=True,
    type=click.FloatRange(min=2.0),
    help="Seconds a claimed job stays this worker's; a dead worker's jobs move on after it.",
)
@click.option("--name", default=None, help="Worker name (default: host-pid).")
@click.option("--status", "status_only", is_flag=True, help="Show the fleet and exit.")
@click.option("--json", "as_json", is_flag=True, help="With --status: print JSON.")
@metrics_options
@click.pass_obj
def worker_command(
    state: State,
    broker: str | None,
    queue: str,
    concurrency: int,
    batch: int,
    lease: float,
    name: str | None,
    status_only: bool,
    as_json: bool,
    metrics_port: int | None,
    metrics_host: str,
) -> None:
    """Run one fleet worker: a Celery worker that tracks every open job in the store.

    Start any number, on any hosts, with the same --store (PostgreSQL for
    several hosts) and the same broker; jobs submitted or watched against
    that store are picked up with no further call. Stop with Ctrl-C or SIGTERM.

    \b
    Example:
      jobadapter --store postgresql://jobs@db/jobs worker --broker redis://mq:6379/0
    """
    if status_only:
        _show_status(store_url(state), as_json)
        return
    if not broker:
        raise click.UsageError(f"give the broker with --broker or ${BROKER_ENV}")
    from jobadapter.fleet import FleetOptions, open_fleet
    from jobadapter.fleet.app import broker_label, make_app, run_worker

    url = store_url(state)
    options = FleetOptions(batch=batch, batches=max(2, concurrency), lease=lease, name=name)
    with expose_metrics(state, metrics_port, metrics_host) as store:
        worker = open_fleet(url, state.hub, store, options)
        app = make_app(broker, queue)
        click.echo(
            f"jobadapter worker {worker.name} on {broker_label(broker)} queue {queue}", err=True
        )
        run_worker(app, worker, queue=queue, concurrency=concurrency)


@click.command("fleet")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_obj
def fleet_command(state: State, as_json: bool) -> None:
    """List live workers, the jobs each holds leased, and the backlog of due jobs.

    \b
    Example:
      jobadapter --store postgresql://jobs@db/jobs fleet --json
    """
    _show_status(store_url(state), as_json)


def _show_status(url: str | None, as_json: bool) -> None:
    from jobadapter.fleet import FleetDB, FleetSchedule

    db = FleetDB(url)
    try:
        schedule = FleetSchedule(db)
        schedule.create()
        report: dict[str, Any] = schedule.status(now=time.time(), alive_within=ALIVE_WITHIN)
    finally:
        db.close()
    if as_json:
        echo_json(report)
        return
    click.echo(f"{len(report['workers'])} live workers, {report['open']} open jobs scheduled")
    for worker in report["workers"]:
        held = report["leases"].get(worker["name"], 0)
        click.echo(f"  {worker['name']}  host {worker['host']}  pid {worker['pid']}  leases {held}")
    click.echo(
        f"backlog: {report['due']} due jobs unclaimed, oldest due "
        f"{report['oldest_due_lag']:.1f}s ago; oldest leased job due "
        f"{report['oldest_leased_lag']:.1f}s ago"
    )


def register(cli: click.Group) -> None:
    cli.add_command(worker_command)
    cli.add_command(fleet_command)
