"""``jobadapter watch``: follow jobs live until they end, with a deadline if asked."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from jobadapter.cli import exits, failures
from jobadapter.cli.failures import error_payload
from jobadapter.cli.metrics_opts import expose_metrics, metrics_options
from jobadapter.cli.output import echo_json, json_option
from jobadapter.cli.progress import make_progress
from jobadapter.cli.state import State
from jobadapter.events import Event
from jobadapter.model import Job
from jobadapter.serialize import to_dict

#: How to pick the watch up again after an interrupt, when the store keeps the jobs.
RESUME_HINT = "jobadapter watch --all-open"


def watch_jobs(
    hub: Any,
    store: Any,
    items: list[tuple[str, str, str | None]],
    *,
    deadline: float | None,
    as_json: bool,
    resume: bool = False,
    labels: dict[tuple[str, str], str] | None = None,
    quiet: bool = False,
    json_extra: Callable[[], dict[str, Any]] | None = None,
    known: dict[tuple[str, str], Job] | None = None,
) -> int:
    """Watch ``items`` (and, with ``resume``, every open job in the store); the exit code.

    The display reports each event once (an error when it happens); at the end
    each job has a final line, and an interrupt says how to resume. With
    ``as_json`` one JSON object ends it (``json_extra()`` adds keys to it)."""
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
    display = make_progress([(a, i, names.get((a, i))) for a, i in keys], err=as_json, quiet=quiet)
    displays.append(display)
    with _errors_shown_once(), stop_on_signals(tracker), display:
        try:
            result = tracker.run()
        except KeyboardInterrupt:  # a second Ctrl-C: the tracker shut down all the same
            result = tracker.result
            result.stopped = True
        display.finish(result.jobs.values())
    jobs = list(result.jobs.values())
    open_jobs = [key for key in keys if key not in result.errors and not _ended(result, key)]
    interrupted = result.stopped and bool(open_jobs)
    if as_json:
        payload = {
            "jobs": [to_dict(job) for job in jobs],
            "deadlines": sorted(f"{a} {i}" for a, i in result.deadlines),
            "errors": {f"{a} {i}": error_payload(e) for (a, i), e in result.errors.items()},
            "interrupted": interrupted,
        }
        echo_json({**payload, **(json_extra() if json_extra else {})})
    else:
        for reached in result.deadlines.values():
            failures.warn(str(reached))
    if interrupted:
        click.echo(_interrupted_message(len(open_jobs), store is not None), err=True)
        return exits.INTERRUPTED
    if result.errors:
        return max(exits.code_for_error(e) for e in result.errors.values())
    if result.deadlines or result.pending:
        return exits.DEADLINE
    return exits.code_for_jobs(jobs)


def _ended(result: Any, key: tuple[str, str]) -> bool:
    job = result.jobs.get(key)
    return job is not None and bool(job.is_terminal)


def _interrupted_message(open_jobs: int, stored: bool) -> str:
    again = (
        f"resume watching with `{RESUME_HINT}`"
        if stored
        else "watch them again with `jobadapter watch ADAPTER JOB_ID...`"
    )
    return (
        f"interrupted: {open_jobs} job(s) keep running at the provider "
        f"(stopping the watch does not cancel them); {again}"
    )


@contextlib.contextmanager
def _errors_shown_once() -> Iterator[None]:
    """The display shows each job's error once: the tracker's own warning about it
    would say it again (``-v`` or ``--debug`` let it through)."""
    logger = logging.getLogger("jobadapter.tracker")
    if logging.getLogger().level < logging.WARNING:
        yield
        return
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


@click.command("watch")
@click.argument("adapter", required=False)
@click.argument("job_ids", nargs=-1)
@click.option("--profile", "-p", help="Profile name from the config file.")
@click.option(
    "--all-open", is_flag=True, help="Watch every job the store knows that has not ended."
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop watching after this many seconds (exit 4); the jobs go on.",
)
@json_option
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
    items: list[tuple[str, str, Any]] = []
    if adapter:
        profile = state.profile_for(adapter, profile)
        items = [(adapter, job_id, profile) for job_id in dict.fromkeys(job_ids)]
    with expose_metrics(state, metrics_port, metrics_host) as store:
        code = watch_jobs(
            state.hub,
            store,
            items,
            deadline=deadline,
            as_json=as_json,
            resume=all_open,
            quiet=state.quiet,
        )
    sys.exit(code)


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(watch_command)
