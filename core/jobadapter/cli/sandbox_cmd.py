"""``jobadapter sandbox``: serve every installed simulator on loopback."""

from __future__ import annotations

import threading
from typing import Any

import click

from jobadapter.cli.output import echo_json, json_option
from jobadapter.cli.state import State


def profiles_toml(profiles: dict[str, dict[str, Any]]) -> str:
    """A config file body with one ``[profiles.<name>]`` table per simulator."""
    lines: list[str] = []
    for name, table in profiles.items():
        lines.append(f"[profiles.{name}]")
        for key, value in table.items():
            if value is None:
                continue
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    return json.dumps(str(value))


def start_sandbox(
    hub: Any, *, faults: Any = None, port: int = 0, speed: float = 1.0, seed: int | None = None
) -> Any:
    """Start every registered simulator on one server; returns (server, simulators).

    Without a ``seed``, a random one: simulators derive job ids from it, and
    two sandbox runs feeding one store must not hand out the same ids.
    """
    import random

    from jobadapter.sandbox import SandboxServer, SimClock

    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    clock = SimClock(speed=speed)
    simulators = [
        cls(clock=clock, seed=seed) for _, cls in sorted(hub.plugins.registry.simulators.items())
    ]
    if not simulators:
        raise click.UsageError(
            "no simulators are installed: install a jobadapter plugin that ships one"
        )
    server = SandboxServer(*simulators, faults=faults, port=port)
    if port:
        _check_port_free(server.host, port)
    try:
        server.start()
    except (OSError, SystemExit):  # werkzeug exits on a port taken since the check
        raise _port_busy(port) from None
    return server, simulators


def _check_port_free(host: str, port: int) -> None:
    """Refuse a busy port with a usage error naming it (werkzeug would print its own
    text and exit 1, which reads as "a job failed")."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise _port_busy(port) from None


def _port_busy(port: int) -> click.UsageError:
    return click.UsageError(
        f"port {port} on 127.0.0.1 is in use by another program: pick another with "
        "--port, or --port 0 for a free one",
        ctx=click.get_current_context(silent=True),
    )


#: A TCP port (0: any free one).
PORT = click.IntRange(0, 65535)
#: Simulated seconds per real second: more than 0 (0 would stop the clock for good).
SPEED = click.FloatRange(min=0, min_open=True)


@click.command("sandbox")
@click.option(
    "--port", type=PORT, default=0, show_default=True, help="Port on 127.0.0.1 (0: a free one)."
)
@click.option(
    "--faults", default="", help="Faults to inject, e.g. 'rate_limit=0.1,server_error=0.05,seed=3'."
)
@click.option(
    "--speed", type=SPEED, default=1.0, show_default=True, help="Simulated seconds per real second."
)
@json_option
@click.pass_obj
def sandbox_command(state: State, port: int, faults: str, speed: float, as_json: bool) -> None:
    """Serve every installed simulator on 127.0.0.1 and print a ready config profile.

    \b
    Example:
      jobadapter sandbox --port 8099 --faults rate_limit=0.1 > /tmp/profiles.toml
      JOBADAPTER_CONFIG=/tmp/profiles.toml jobadapter status zuora.mass_updater KEY
    """
    from jobadapter.sandbox import Faults

    try:
        parsed = Faults.parse(faults) if faults else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    server, simulators = start_sandbox(state.hub, faults=parsed, port=port, speed=speed)
    profiles = {sim.name: sim.profile() for sim in simulators}
    if as_json:
        echo_json({"url": server.url, "profiles": profiles})
    else:
        click.echo(
            f"# sandbox serving {len(simulators)} simulator(s) at {server.url}; Ctrl-C stops it"
        )
        click.echo(profiles_toml(profiles))
    stop = threading.Event()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        click.echo("# sandbox stopped", err=True)
    finally:
        server.stop()


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(sandbox_command)
