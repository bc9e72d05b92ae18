"""``jobadapter demo``: the main job end to end, against the built-in sandbox.

No credentials, no config: start every installed simulator on 127.0.0.1,
submit the jobs each simulator offers (sample CSVs, some rows marked to
fail), watch them all live, store them, and print the unified report.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from jobadapter.cli.output import json_option
from jobadapter.cli.sandbox_cmd import SPEED, start_sandbox
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


def run_demo(
    state: State, *, speed: float, faults: Any, deadline: float, as_json: bool = False
) -> int:
    """Run the demo; returns the exit code. With ``as_json`` stdout carries one JSON
    object (the jobs, and the report when stored); the narration goes to stderr."""
    from jobadapter.config import profile_from_mapping
    from jobadapter.hub import Hub

    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    t0 = time.monotonic()
    store = state.store
    say = _narrator(quiet=state.quiet, err=as_json)
    hub = Hub(config=False, store=store)  # the sandbox's profiles only, never the user's
    server, simulators = start_sandbox(hub, faults=faults, speed=speed)
    try:
        demos = []
        for sim in simulators:  # their URLs are known once the server listens
            hub.add_profile(profile_from_mapping(sim.name, sim.profile(), source="sandbox"))
            demos += [(sim, demo) for demo in sim.demo_requests()]
        if not demos:
            raise click.UsageError("the installed simulators offer no demo jobs")
        apis = sorted({demo.adapter for _, demo in demos})
        say(
            f"sandbox: {len(apis)} simulated provider APIs ({', '.join(apis)}) "
            f"at {server.url}, time x{speed:g}"
        )
        items: list[tuple[str, str, str | None]] = []
        labels: dict[tuple[str, str], str] = {}
        known: dict[tuple[str, str], Job] = {}
        refused = 0
        for sim, demo in demos:
            try:
                job = hub.submit(demo.adapter, demo.request, profile=sim.name)
            except JobAdapterError as exc:
                # One job that could not start (an injected fault on a create that
                # is not retried) is reported; the others carry on.
                refused += 1
                say(f"failed to submit {demo.label}: {demo.adapter}: {exc}")
                continue
            say(f"submitted {demo.label}: {job.adapter} {job.id} ({job.status.value})")
            items.append((job.adapter, job.id, sim.name))
            labels[job.key] = demo.label
            known[job.key] = job

        def report_json() -> dict[str, Any]:
            if store is None:
                return {"report": None}
            return {"report": json.loads(hub.report("json", since=started))}

        code = (
            watch_jobs(
                hub,
                store,
                items,
                deadline=deadline,
                as_json=as_json,
                labels=labels,
                quiet=state.quiet,
                json_extra=report_json,
                known=known,
            )
            if items
            else 0
        )
        if refused:
            say(f"{refused} demo job(s) failed to submit (see above); the others ran")
            code = max(code, 1)
        if store is not None and not as_json:
            click.echo("")
            click.echo(hub.report("table", since=started).rstrip("\n"))
        elapsed = time.monotonic() - t0
        say(
            f"demo finished in {elapsed:.1f}s of real time; the report's durations are "
            f"simulated time, which ran x{speed:g} faster"
        )
        say(
            "`jobadapter report` shows the stored jobs"
            if store is not None
            else "--no-store: nothing was kept, so there is no stored report to look at"
        )
        if store is not None:
            say(f"see them in the dashboard: {serve_hint(state)}, then open {SERVE_URL}")
        return code
    finally:
        server.stop()


def _narrator(*, quiet: bool, err: bool) -> Callable[[str], None]:
    """The demo's own lines: on stdout, or stderr when stdout carries JSON; none with -q."""

    def say(text: str) -> None:
        if not quiet:
            click.echo(text, err=err)

    return say


@click.command("demo")
@click.option(
    "--speed",
    type=SPEED,
    default=DEFAULT_SPEED,
    show_default=True,
    help="Simulated seconds per real second.",
)
@click.option(
    "--faults", default="", help="Faults to inject, e.g. 'rate_limit=0.05,server_error=0.02'."
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=0, min_open=True),
    default=120.0,
    show_default=True,
    help="Give up watching after this many seconds (exit 4).",
)
@json_option
@click.pass_obj
def demo_command(state: State, speed: float, faults: str, deadline: float, as_json: bool) -> None:
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
    code = run_demo(state, speed=speed, faults=parsed, deadline=deadline, as_json=as_json)
    sys.exit(code)


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(demo_command)
