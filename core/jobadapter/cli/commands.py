"""The built-in commands, registered on the group through one list.

A command module defines its commands with ``@click.command`` (it never
imports the group, so there is no import circle) and one function that adds
them::

    def register(cli: click.Group) -> None:
        cli.add_command(worker_command)

A new module then adds a line to ``BUILTIN`` for each command it adds, the
command's name and the module's::

    "worker": "jobadapter.cli.worker_cmd",

The group imports a module only when one of its commands runs (or help lists
them all): ``jobadapter plugins`` does not pay for the dashboard, the fleet
or the progress display.

Plugins add their commands through the ``register_commands`` hook instead.
"""

from __future__ import annotations

import importlib

import click

#: Each built-in command's name and the module whose ``register(cli)`` adds it.
BUILTIN: dict[str, str] = {
    "demo": "jobadapter.cli.demo_cmd",
    "submit": "jobadapter.cli.jobs_cmd",
    "status": "jobadapter.cli.jobs_cmd",
    "cancel": "jobadapter.cli.jobs_cmd",
    "results": "jobadapter.cli.jobs_cmd",
    "list": "jobadapter.cli.list_cmd",
    "new-plugin": "jobadapter.cli.new_plugin_cmd",
    "plugins": "jobadapter.cli.plugins_cmd",
    "profiles": "jobadapter.cli.profiles_cmd",
    "config": "jobadapter.cli.profiles_cmd",
    "reconcile": "jobadapter.cli.reconcile_cmd",
    "resolve": "jobadapter.cli.reconcile_cmd",
    "report": "jobadapter.cli.report_cmd",
    "sandbox": "jobadapter.cli.sandbox_cmd",
    "serve": "jobadapter.cli.serve_cmd",
    "store": "jobadapter.cli.store_cmd",
    "watch": "jobadapter.cli.watch_cmd",
    "worker": "jobadapter.cli.worker_cmd",
    "fleet": "jobadapter.cli.worker_cmd",
}


def builtin_modules() -> list[str]:
    """The modules that add built-in commands, each once, in a stable order."""
    return sorted(set(BUILTIN.values()))


def register_builtin(cli: click.Group, name: str | None = None) -> None:
    """Add the built-in command ``name`` to ``cli`` (with the others its module
    adds), or every built-in command when ``name`` is None."""
    modules = builtin_modules() if name is None else [BUILTIN[name]] if name in BUILTIN else []
    for module in modules:
        importlib.import_module(module).register(cli)
