"""``jobadapter report``: one view of every stored job across providers."""

from __future__ import annotations

import click

from jobadapter.cli.state import State


@click.command("report")
@click.option(
    "--format",
    "format_",
    default="table",
    show_default=True,
    help="table, json, csv, html (one self-contained file), or a plugin's format.",
)
@click.option("--since", help="Only jobs created since: ISO-8601 instant or an age like 24h, 7d.")
@click.option("--until", help="Only jobs created before: ISO-8601 instant or an age.")
@click.option("--status", "statuses", multiple=True, help="Only jobs in this status (repeatable).")
@click.option("--adapter", "adapters", multiple=True, help="Only this adapter (repeatable).")
@click.option("--by-profile", is_flag=True, help="Group by profile too.")
@click.pass_obj
def report_command(
    state: State,
    format_: str,
    since: str | None,
    until: str | None,
    statuses: tuple[str, ...],
    adapters: tuple[str, ...],
    by_profile: bool,
) -> None:
    """Report on stored jobs: per provider, adapter and operation, jobs by status,
    rows processed and failed, failure rate, durations (p50/p95/max).

    \b
    Examples:
      jobadapter report
      jobadapter report --format json --since 7d --adapter zuora.mass_updater
      jobadapter report --format html > report.html
    """
    hub = state.hub
    group_by = ["provider", "adapter", "operation"] + (["profile"] if by_profile else [])
    text = hub.report(
        format_,
        group_by=group_by,
        since=since,
        until=until,
        status=list(statuses) or None,
        adapter=list(adapters) or None,
    )
    click.echo(text.rstrip("\n"))


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(report_command)
