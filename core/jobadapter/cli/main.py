"""The click group, global options and one-line errors with stable exit codes."""

from __future__ import annotations

import itertools
import logging
import sys
from pathlib import Path
from typing import Any

import click

import jobadapter.cli.failures as failures
from jobadapter.cli.commands import BUILTIN, register_builtin
from jobadapter.cli.state import State
from jobadapter.errors import JobAdapterError


def _wants_json(args: list[str]) -> bool:
    """Whether the command line asks for JSON (``--json`` or ``--format json``), read
    before parsing so that even an error in parsing is printed as JSON."""
    if "--json" in args or "--format=json" in args:
        return True
    return any(a == "--format" and b == "json" for a, b in itertools.pairwise(args))


class JobAdapterGroup(click.Group):
    """Turns every error into one line (or JSON) and an exit code (``--debug`` for the trace)."""

    def invoke(self, ctx: click.Context) -> Any:
        as_json = _wants_json([*ctx._protected_args, *ctx.args])
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except (JobAdapterError, click.ClickException, OSError, ValueError, LookupError) as exc:
            state = ctx.find_object(State)
            if state is not None and state.debug:
                raise
            if isinstance(exc, click.ClickException) and not as_json:
                raise  # click prints usage errors with the usage line
            ctx.exit(failures.report_error(exc, as_json=as_json))

    def list_commands(self, ctx: click.Context) -> list[str]:
        _load_builtin_commands(self)
        _load_plugin_commands(self, ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in BUILTIN:
            register_builtin(self, name)  # its module only: start-up pays for one command
            command = super().get_command(ctx, name)
        if command is None:
            _load_plugin_commands(self, ctx)
            command = super().get_command(ctx, name)
        return command


_plugin_commands_loaded = False
_builtin_commands_loaded = False


def _load_builtin_commands(group: click.Group) -> None:
    """Every built-in command (help lists them all), before any plugin's."""
    global _builtin_commands_loaded
    if not _builtin_commands_loaded:
        _builtin_commands_loaded = True
        register_builtin(group)


def _load_plugin_commands(group: click.Group, ctx: click.Context) -> None:
    """Let plugins add commands, only when a name is not a built-in one."""
    global _plugin_commands_loaded
    if _plugin_commands_loaded:
        return
    _plugin_commands_loaded = True
    try:
        from jobadapter.plugins import PluginHost

        PluginHost().pm.hook.register_commands(cli=group)
    except JobAdapterError as exc:
        failures.warn(f"plugin commands not loaded: {exc}")


@click.group(cls=JobAdapterGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="JOBADAPTER_CONFIG",
    help="Profiles file (default: $JOBADAPTER_CONFIG, else the user config dir).",
)
@click.option(
    "--store",
    "store_url",
    envvar="JOBADAPTER_STORE",
    metavar="URL",
    help="Job store: a file path or sqlite:///path (default: $JOBADAPTER_HOME/"
    "jobadapter.sqlite3, else the user data dir), or postgresql://user@host/db "
    "(default: $JOBADAPTER_STORE).",
)
@click.option("--no-store", is_flag=True, help="Keep nothing: no history, no resume.")
@click.option("-v", "--verbose", count=True, help="More detail: -v logs at INFO.")
@click.option("-q", "--quiet", is_flag=True, help="Only results and errors: no progress, no hints.")
@click.option("--debug", is_flag=True, help="Log at DEBUG (secrets masked) and show tracebacks.")
@click.version_option(package_name="jobadapter")
@click.pass_context
def cli(
    ctx: click.Context,
    config: Path | None,
    store_url: str | None,
    no_store: bool,
    verbose: int,
    quiet: bool,
    debug: bool,
) -> None:
    """One view of asynchronous bulk jobs across SaaS providers.

    \b
    Example:
      jobadapter demo                      # the whole loop against the sandbox
      jobadapter status zuora.mass_updater 2c92c0f8... --profile prod
    """
    if debug or verbose > 1:
        level = logging.DEBUG
    elif verbose:
        level = logging.INFO
    else:
        level = logging.ERROR if quiet else logging.WARNING
    fmt = "%(levelname)s %(name)s: %(message)s" if debug else "%(levelname)s: %(message)s"
    logging.basicConfig(level=level, format=fmt)
    verbosity = -1 if quiet else verbose
    ctx.obj = State(config, debug, store_url=store_url, use_store=not no_store, verbosity=verbosity)


__all__ = ["State", "cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="jobadapter")
    except BrokenPipeError:  # piped into head: not an error
        sys.stderr.close()
