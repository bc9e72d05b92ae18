"""The hooks a plugin can implement. Every hook is documented in
docs/hooks.md (a test keeps the two in sync).

Register hooks receive a ``register`` callback, in the style of simonw/llm:
a plugin calls it once per thing it adds. Event hooks are called with
keyword arguments as jobs change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from jobadapter.events import Event

#: The hook API version this core implements. Plugins declare the version
#: they were written for as ``JOBADAPTER_API_VERSION`` in their plugin module;
#: a different major version is refused at load time.
HOOK_API_VERSION = "1.0"

PROJECT = "jobadapter"

hookspec = pluggy.HookspecMarker(PROJECT)
#: The one public marker plugins decorate their hooks with.
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_adapters(register: Callable[[type[Any]], None]) -> None:
    """Register adapter classes: ``register(MyAdapter)`` for each native job kind."""


@hookspec
def register_providers(register: Callable[[Any], None]) -> None:
    """Register providers (auth, headers, error bodies): ``register(MyProvider())``."""


@hookspec
def register_simulators(register: Callable[..., None]) -> None:
    """Register sandbox simulators (subclasses of ``jobadapter.sandbox.Simulator``):
    ``register(SimulatorClass)``, or ``register(name, "module:ClassName")`` so the
    simulator module is imported only when a sandbox serves it."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the ``jobadapter`` command line: ``cli.add_command(cmd)``."""


@hookspec
def register_report_formats(register: Callable[[str, Callable[..., str]], None]) -> None:
    """Register report formats: ``register("markdown", render)``; ``render(report) -> str``."""


@hookspec(firstresult=True)
def profile_source(name: str) -> Any:
    """Supply the profile called ``name`` when the config file has none by that name:
    a mapping of the same keys as a ``[profiles.<name>]`` table (or a ``Profile``),
    or None to let the next source answer. Asked once per name per Hub."""


@hookspec
def job_changed(event: Event) -> None:
    """Called when a watched job changes status or progresses (``event.kind``)."""


@hookspec
def job_anomaly(event: Event) -> None:
    """Called when an observation breaks the state machine (backward move, counts down)."""
