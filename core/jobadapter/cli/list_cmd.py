"""``jobadapter list``: the provider's jobs of one kind, for adapters that declare ``list``."""

from __future__ import annotations

import itertools
import sys

import click

from jobadapter.cli import exits
from jobadapter.cli.jobs_cmd import profile_option
from jobadapter.cli.output import json_option, print_jobs
from jobadapter.cli.state import State
from jobadapter.status import JobStatus


@click.command("list")
@click.argument("adapter")
@profile_option
@click.option(
    "--status",
    help="Only jobs in this state: a unified status (running, succeeded, ...) or the "
    "provider's own word.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Show at most this many jobs.",
)
@json_option
@click.pass_obj
def list_command(
    state: State,
    adapter: str,
    profile: str | None,
    status: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List the provider's jobs of ADAPTER (where the provider can list them).

    \b
    Example:
      jobadapter list zuora.bulk_job -p prod --status running --limit 20
    """
    profile = state.profile_for(adapter, profile)
    filters: dict[str, object] = {}
    if status is not None:
        unified = {s.value: s for s in JobStatus}
        filters["status"] = unified.get(status.strip().lower(), status)
    jobs = list(itertools.islice(state.hub.list_jobs(adapter, profile=profile, **filters), limit))
    print_jobs(jobs, as_json=as_json)
    sys.exit(exits.OK)


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(list_command)
