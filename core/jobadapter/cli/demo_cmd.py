"""``jobadapter demo``: the main job end to end, against the built-in sandbox.

No credentials, no config: start every installed simulator on 127.0.0.1,
submit the jobs each simulator offers (sample CSVs, some rows marked to
fail), watch them all live, store them, and print the unified report.
"""

from __future__ import annotations

import datetime as dt
import shlex
import sys
import time
from typing import Any

import click

from jobadapter.cli.sandbox_cmd import start_sandbox
from jobadapter.cli.state import State
from jobadapter.cli.watch_cmd import watch_jobs
from jobadapter.errors import JobAdapterError
from jobadapter.model import Job

#: Simulated seconds per real second. The simulators' jobs take seconds, so
#: real time lets the progress bars move visibly; raise it to go faster.
DEFAULT_SPEED = 4.0


SERVE_URL = "http://127.0.0.1:8765/"


def serve_hint(state: State) -> str:
    """The command that serves the dashboard of the store the demo wrote."""
    if not state.store_url:
        return "`jobadapter serve`"
    from jobadapter.store.urls import safe_url  # never print a password

    return f"`jobadapter --store {shlex.quote(safe_url(str(state.store_url)))} serve`"


def run_demo(state: State, *, speed: float, faults: Any, deadline: float) -> int:
    """Run the demo; returns the exit code."""
    from jobadapter.config import profile_from_mapping
    from jobadapter.hub import Hub

    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    t0 = time.monotonic()
    store = state.store
    hub = Hub(config=False, store=store)  # the sandbox's profiles only, never the user's
    server, simulators = start_sandbox(hub, faults=faults, speed=speed)
    try:
        for sim in simulators:  # their URLs are known once the server listens
            hub.add_profile(profile_from_mapping(sim.name, sim.profile(), source="sandbox"))
        click.echo(f"sandbox: {len(simulators)} simulator(s) at {server.url} (x{speed:g} time)")
        items: list[tuple[str, str, str | None]] = []
        labels: dict[tuple[str, str], str] = {}
        known: dict[tuple[str, str], Job] = {}
        refused = 0
        for sim in simulators:
            for demo in sim.demo_requests():
                try:
                    job = hub.submit(demo.adapter, demo.request, profile=sim.name)
                except JobAdapterError as exc:
                    # One job that could not start (an injected fault on a create that
                    # is not retried) is reported; the others carry on.
                    refused += 1
                    click.echo(f"failed to submit {demo.label}: {demo.adapter}: {exc}")
                    continue
                click.echo(f"submitted {demo.label}: {job.adapter} {job.id} ({job.status.value})")
                items.append((job.adapter, job.id, sim.name))
                labels[job.key] = demo.label
                known[job.key] = job
        if not items and not refused:
            raise click.UsageError("the installed simulators offer no demo jobs")
        code = (
            watch_jobs(
                hub, store, items, deadline=deadline, as_json=False, labels=labels, known=known
            )
            if items
            else 0
        )
        if refused:
            click.echo(f"{refused} demo job(s) failed to submit (see above); the others ran")
            code = max(code, 1)
        if store is not None:
            click.echo("")
            click.echo(hub.report("table", since=started).rstrip("\n"))
        click.echo(
            f"demo finished in {time.monotonic() - t0:.1f}s; "
            "`jobadapter report --format json` shows the stored jobs"
        )
        if store is not None:
            click.echo(f"see them in the dashboard: {serve_hint(state)}, then open {SERVE_URL}")
        return code
    finally:
        server.stop()


@click.command("demo")
@click.option(
    "--speed",
    type=float,
    default=DEFAULT_SPEED,
    show_default=True,
    help="Simulated seconds per real second.",
)
@click.option(
    "--faults", default="", help="Faults to inject, e.g. 'rate_limit=0.05,server_error=0.02'."
)
@click.option(
    "--deadline",
    type=float,
    default=120.0,
    show_default=True,
    help="Give up watching after this many seconds (exit 4).",
)
@click.pass_obj
def demo_command(state: State, speed: float, faults: str, deadline: float) -> None:
    """Run the whole loop against the built-in sandbox, with no credentials.

    Starts every installed provider simulator on 127.0.0.1, submits a job to
    each (some rows fail on purpose), watches them live, stores them and
    prints the unified report. Exit code 0 when every job finished
    (row failures are counts, not failures of the job).

    \b
    Example:
      jobadapter demo
      jobadapter demo --faults rate_limit=0.1,server_error=0.05
    """
    from jobadapter.sandbox import Faults

    try:
        parsed = Faults.parse(faults) if faults else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    code = run_demo(state, speed=speed, faults=parsed, deadline=deadline)
    sys.exit(code)


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(demo_command)
