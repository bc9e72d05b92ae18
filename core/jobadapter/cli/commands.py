"""The built-in commands, registered on the group through one list.

A command module defines its commands with ``@click.command`` (it never
imports the group, so there is no import circle) and one function that adds
them::

    def register(cli: click.Group) -> None:
        cli.add_command(worker_command)

A new module then adds one line to ``BUILTIN``, its module name::

    "jobadapter.cli.worker_cmd",

Plugins add their commands through the ``register_commands`` hook instead.
"""

from __future__ import annotations

import importlib

import click

#: Modules whose ``register(cli)`` adds built-in commands to the group.
BUILTIN: tuple[str, ...] = (
    "jobadapter.cli.demo_cmd",
    "jobadapter.cli.jobs_cmd",
    "jobadapter.cli.list_cmd",
    "jobadapter.cli.new_plugin_cmd",
    "jobadapter.cli.plugins_cmd",
    "jobadapter.cli.profiles_cmd",
    "jobadapter.cli.reconcile_cmd",
    "jobadapter.cli.report_cmd",
    "jobadapter.cli.sandbox_cmd",
    "jobadapter.cli.serve_cmd",
    "jobadapter.cli.store_cmd",
    "jobadapter.cli.watch_cmd",
    "jobadapter.cli.worker_cmd",
)


def register_builtin(cli: click.Group) -> None:
    """Call every built-in module's ``register`` on ``cli``."""
    for name in BUILTIN:
        importlib.import_module(name).register(cli)
