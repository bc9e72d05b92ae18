"""``jobadapter plugins``: what is installed, with versions, adapters and hooks."""

from __future__ import annotations

import attrs
import click

from jobadapter.cli.output import echo_json, json_option, use_rich
from jobadapter.cli.state import State

#: Said beside an adapter whose answers carry times with no zone (the tenant's).
ZONE_NOTE = "; times carry no zone: set `timezone` in its profiles"


@click.command("plugins")
@json_option
@click.pass_obj
def plugins_command(state: State, as_json: bool) -> None:
    """List loaded plugins: name, version, adapters, capabilities, hooks.

    \b
    Example:
      jobadapter plugins --json | jq '.[].adapters'
    """
    state.use_store = False  # a listing reads no store: don't open (or create) one
    plugins = state.plugins  # the plugins alone: no hub, no transport
    registry = plugins.registry
    rows = []
    for info in plugins.infos():
        data = attrs.asdict(info)
        data["capabilities"] = {
            name: sorted(registry.adapters[name].capabilities)
            for name in info.adapters
            if name in registry.adapters
        }
        # Registered but set aside at load time (e.g. their provider's plugin is missing).
        data["unavailable"] = {
            name: registry.unavailable[name]
            for name in info.adapters
            if name in registry.unavailable
        }
        # Adapters whose answers carry times with no zone: their profiles need `timezone`.
        data["zoneless_times"] = [
            name
            for name in info.adapters
            if name in registry.adapters and registry.adapters[name].naive_timestamps
        ]
        rows.append(data)
    if as_json:
        echo_json(rows)
        return
    if use_rich():
        from rich.console import Console
        from rich.table import Table

        table = Table("plugin", "version", "adapters (capabilities)", "hooks")
        for row in rows:
            adapters = "\n".join(
                [
                    f"{a} ({', '.join(c)})" + (ZONE_NOTE if a in row["zoneless_times"] else "")
                    for a, c in row["capabilities"].items()
                ]
                + [f"{a} (unavailable)" for a in row["unavailable"]]
            )
            table.add_row(row["name"], row["version"] or "", adapters, ", ".join(row["hooks"]))
        Console().print(table)
        return
    for row in rows:
        click.echo(f"{row['name']} {row['version'] or ''}".rstrip())
        for adapter, caps in row["capabilities"].items():
            note = ZONE_NOTE if adapter in row["zoneless_times"] else ""
            click.echo(f"  adapter {adapter}: {', '.join(caps)}{note}")
        for adapter, reason in row["unavailable"].items():
            click.echo(f"  adapter {adapter}: unavailable: {reason}")
        click.echo(f"  hooks: {', '.join(row['hooks'])}")


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(plugins_command)
