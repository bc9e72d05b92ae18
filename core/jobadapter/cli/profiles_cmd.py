"""``jobadapter profiles`` and ``jobadapter config path``: what is configured, and where.

Secrets are described by where they come from (the file, or an environment
variable and whether it is set), never by value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jobadapter.cli.output import echo_json, json_option
from jobadapter.cli.state import State


def _config_file(state: State) -> Path:
    from jobadapter.config import default_config_path

    return state.config if state.config is not None else default_config_path()


@click.command("profiles")
@json_option
@click.pass_obj
def profiles_command(state: State, as_json: bool) -> None:
    """List configured profiles: name, provider, base URL, which secrets are set.

    \b
    Example:
      jobadapter profiles
      JOBADAPTER_PROFILE=crm jobadapter profiles --json
    """
    from jobadapter.config import SECRET_KEYS, default_profile_name, load_config

    path = _config_file(state)
    profiles = load_config(state.config) if state.config is not None else load_config()
    default = default_profile_name(state.config)
    rows: list[dict[str, Any]] = []
    for name, profile in sorted(profiles.items()):
        secrets = {key: profile.secret_state(key) for key in SECRET_KEYS}
        rows.append(
            {
                "name": name,
                "provider": profile.provider,
                "base_url": profile.base_url,
                "timezone": profile.timezone,
                "secrets": {key: where for key, where in secrets.items() if where is not None},
                "default": name == default,
            }
        )
    if as_json:
        echo_json({"config": str(path), "default_profile": default, "profiles": rows})
        return
    if not rows:
        click.echo(
            f"no profiles in {path}"
            + ("" if path.exists() else " (the file does not exist)")
            + "; see docs/configuration.md, or `jobadapter sandbox` for local ones"
        )
        return
    click.echo(f"# {path}")
    for row in rows:
        where = ", ".join(f"{k} ({v})" for k, v in row["secrets"].items()) or "no secrets"
        mark = " (default)" if row["default"] else ""
        zone = row["timezone"] or "timezone not set (zoneless times read as UTC)"
        click.echo(
            f"{row['name']}{mark}  {row['provider']}  {row['base_url'] or '(provider default)'}"
            f"  {zone}  {where}"
        )


@click.group("config")
def config_group() -> None:
    """Where the configuration lives.

    \b
    Example:
      jobadapter config path
    """


@config_group.command("path")
@json_option
@click.pass_obj
def config_path_command(state: State, as_json: bool) -> None:
    """Print the config file jobadapter reads (--config, $JOBADAPTER_CONFIG, else the
    user config dir), and whether it exists.

    \b
    Example:
      $EDITOR "$(jobadapter config path)"
    """
    path = _config_file(state)
    if as_json:
        echo_json({"path": str(path), "exists": path.exists()})
        return
    click.echo(str(path))
    if not path.exists() and not state.quiet:
        click.echo("(it does not exist yet: see docs/configuration.md)", err=True)


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(profiles_command)
    cli.add_command(config_group)
