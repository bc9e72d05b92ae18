"""``jobadapter report``: one view of every stored job across providers."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

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
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option(
    "--wide", is_flag=True, help="Table: every column, wider than the terminal if need be."
)
@click.pass_obj
def report_command(
    state: State,
    format_: str,
    since: str | None,
    until: str | None,
    statuses: tuple[str, ...],
    adapters: tuple[str, ...],
    by_profile: bool,
    as_json: bool,
    wide: bool,
) -> None:
    """Report on stored jobs: per provider, adapter and operation, jobs by status,
    rows processed and failed, failure rate, durations (p50/p95/max).

    \b
    Examples:
      jobadapter report
      jobadapter report --format json --since 7d --adapter zuora.mass_updater
      jobadapter report --format html > report.html
      jobadapter report --wide             # every column, however narrow the terminal
    """
    if as_json:
        format_ = "json"
    from jobadapter.reports import report

    # The store and the plugins (their report formats and adapters), no hub: a hub
    # would build the transport too, which a report never uses.
    registry = state.plugins.registry
    render = functools.partial(report, state.store, formats=registry.report_formats)
    _check_names(render, set(registry.adapters), adapters, statuses)
    group_by = ["provider", "adapter", "operation"] + (["profile"] if by_profile else [])
    filters: dict[str, Any] = dict(
        group_by=group_by,
        since=since,
        until=until,
        status=list(statuses) or None,
        adapter=list(adapters) or None,
    )
    # Through the registered format, so a plugin's table draws --wide reports too.
    text = render(format_, options={"wide": True} if wide else None, **filters)
    click.echo(text.rstrip("\n"))


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(report_command)


def _check_names(
    render: Callable[..., str],
    installed: set[str],
    adapters: tuple[str, ...],
    statuses: tuple[str, ...],
) -> None:
    """A mistyped filter would print an empty report as if nothing matched: refuse it,
    naming what is known (``installed`` adapters, and those ``render``'s report finds)."""
    from jobadapter.status import JobStatus

    known_adapters = set(installed)
    if set(adapters) - known_adapters:  # not installed: perhaps stored before an uninstall
        stored = json.loads(render("json", group_by=["adapter"]))["groups"]
        known_adapters |= {group["adapter"] for group in stored}
    for name in adapters:
        if name not in known_adapters:
            raise click.BadParameter(
                f"no adapter named {name!r} is installed or stored; known: "
                f"{', '.join(sorted(known_adapters)) or 'none'}",
                param_hint="--adapter",
            )
    known_statuses = [s.value for s in JobStatus]
    for value in statuses:
        if value not in known_statuses:
            raise click.BadParameter(
                f"{value!r} is not a job status; one of: {', '.join(known_statuses)}",
                param_hint="--status",
            )
