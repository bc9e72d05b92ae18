"""Commands register through one list; no command module imports the group back."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import click
from jobadapter.cli import commands
from jobadapter.cli.main import cli

CLI_PACKAGE = Path(commands.__file__).parent


def test_no_cli_module_imports_the_group() -> None:
    """Only the package's own ``__init__`` may import ``jobadapter.cli.main``."""
    offenders = []
    for path in sorted(CLI_PACKAGE.glob("*.py")):
        if path.name in {"__init__.py", "main.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module in {"jobadapter.cli.main"}:
                offenders.append(path.name)
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "jobadapter.cli"
                and any(alias.name in {"main", "cli"} for alias in node.names)
            ):
                offenders.append(path.name)
    assert offenders == []


def test_every_builtin_module_registers_its_commands() -> None:
    """``BUILTIN`` names every command of every module, and the group finds each
    (importing its module on first use)."""
    ctx = click.Context(cli)
    for name in commands.builtin_modules():
        module = importlib.import_module(name)
        group = click.Group()
        module.register(group)
        assert group.commands, name
        for command_name, command in group.commands.items():
            assert commands.BUILTIN[command_name] == name
            assert cli.get_command(ctx, command_name) is command
    assert set(cli.list_commands(ctx)) >= set(commands.BUILTIN)
