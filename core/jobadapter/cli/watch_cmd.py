"""``jobadapter watch``: follow jobs live until they end, with a deadline if asked."""

from __future__ import annotations

import sys
from typing import Any

import click

from jobadapter.cli import exits
from jobadapter.cli.metrics_opts import expose_metrics, metrics_options
from jobadapter.cli.output import echo_json
from jobadapter.cli.progress import make_progress
from jobadapter.cli.state import State
from jobadapter.events import Event
from jobadapter.model import Job
from jobadapter.serialize import to_dict


def watch_jobs(
    hub: Any,
    store: Any,
    items: list[tuple[str, str, str | None]],
    *,
    deadline: float | None,
    as_json: bool,
    resume: bool = False,
    labels: dict[tuple[str, str], str] | None = None,
    known: dict[tuple[str, str], Job] | None = None,
) -> int:
    """Watch ``items`` (and, with ``resume``, every open job in the store); the exit code."""
    from jobadapter.tracker import stop_on_signals

    displays: list[Any] = []

    def forward(event: Event) -> None:
        for display in displays:
            display(event)

    tracker = hub.tracker(store=store, on_event=forward)
    # What submit returned is each job's last known state (a total known at submit).
    last = known or {}
    keys = [
        tracker.add(a, i, profile=p, deadline=deadline, job=last.get((a, i))) for a, i, p in items
    ]
    if resume:
        if store is None:
            raise click.UsageError("--all-open needs the store (do not pass --no-store)")
        keys += tracker.resume(deadline=deadline)
    names = labels or {}
    # With --json, stdout carries only the JSON: live progress goes to stderr.
    display = make_progress([(a, i, names.get((a, i))) for a, i in keys], err=as_json)
    displays.append(display)
    with display, stop_on_signals(tracker):
        result = tracker.run()
    jobs = list(result.jobs.values())
    if as_json:
        echo_json(
            {
                "jobs": [to_dict(job) for job in jobs],
                "deadlines": sorted(f"{a} {i}" for a, i in result.deadlines),
                "errors": {f"{a} {i}": str(e) for (a, i), e in result.errors.items()},
            }
        )
    else:
        # The display already showed every job as it moved; here only what went wrong.
        for (adapter, job_id), error in result.errors.items():
            click.secho(f"{adapter} {job_id}: {error}", err=True, fg="red")
        for reached in result.deadlines.values():
            click.secho(str(reached), err=True, fg="yellow")
    if result.errors:
        return exits.PROVIDER
    if result.deadlines or result.pending:
        return exits.DEADLINE
    return exits.code_for_jobs(jobs)


@click.command("watch")
@click.argument("adapter", required=False)
@click.argument("job_ids", nargs=-1)
@click.option("--profile", "-p", help="Profile name from the config file.")
@click.option(
    "--all-open", is_flag=True, help="Watch every job the store knows that has not ended."
)
@click.option(
    "--deadline", type=float, help="Stop watching after this many seconds (exit 4); the jobs go on."
)
@click.option("--json", "as_json", is_flag=True, help="Print the final jobs as JSON.")
@metrics_options
@click.pass_obj
def watch_command(
    state: State,
    adapter: str | None,
    job_ids: tuple[str, ...],
    profile: str | None,
    all_open: bool,
    deadline: float | None,
    as_json: bool,
    metrics_port: int | None,
    metrics_host: str,
) -> None:
    """Watch jobs until they end: a live bar per job on a terminal, lines otherwise.

    \b
    Examples:
      jobadapter watch zuora.bulk_job 3f2a... 9b1c... --deadline 3600
      jobadapter watch --all-open          # resume every open job after a restart
      jobadapter watch --all-open --metrics-port 9464   # Prometheus scrapes /metrics
    """
    if not all_open and (adapter is None or not job_ids):
        raise click.UsageError("give ADAPTER and at least one JOB_ID, or --all-open")
    items: list[tuple[str, str, Any]] = (
        [(adapter, job_id, profile) for job_id in job_ids] if adapter else []
    )
    with expose_metrics(state, metrics_port, metrics_host) as store:
        code = watch_jobs(
            state.hub, store, items, deadline=deadline, as_json=as_json, resume=all_open
        )
    sys.exit(code)


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(watch_command)
