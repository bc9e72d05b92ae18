"""``jobadapter store``: look after the job store itself (moving it to PostgreSQL,
recounting what it keeps for reports)."""

from __future__ import annotations

import click

from jobadapter.cli.output import echo_json, json_option
from jobadapter.cli.state import State


@click.group("store")
def store_group() -> None:
    """Look after the job store (chosen with --store or JOBADAPTER_STORE)."""


@store_group.command("migrate")
@click.option(
    "--to",
    "target_url",
    required=True,
    metavar="URL",
    help="The store to copy into: postgresql://user@host/db (or a path / sqlite:///path).",
)
@json_option
@click.pass_obj
def migrate_command(state: State, target_url: str, as_json: bool) -> None:
    """Copy every job, its history, submissions and errors into another store.

    The source is the store --store (or JOBADAPTER_STORE, else the default
    SQLite file) names. Jobs already in the target are left as they are, so
    running it again copies nothing twice; stop the workers writing to the
    source first, then point them at the target.

    \b
    Example:
      jobadapter store migrate --to postgresql://jobadapter@db.internal/jobadapter
    """
    from jobadapter.store import open_store
    from jobadapter.store.sql_store import SqlStore
    from jobadapter.store.transfer import copy_store

    source = state.store
    if source is None:
        raise click.UsageError("store migrate copies the store: drop --no-store")
    with open_store(target_url) as target:
        if not isinstance(source, SqlStore) or not isinstance(target, SqlStore):
            raise click.UsageError("store migrate copies between jobadapter's SQL stores only")
        if repr(source) == repr(target):
            raise click.UsageError(f"--to names the store being copied: {target!r}")
        counts = copy_store(source, target)
    if as_json:
        echo_json({"from": repr(source), "to": repr(target), "counts": counts.to_dict()})
        return
    click.echo(f"copied {source!r} into {target!r}")
    for name, moved in counts.to_dict().items():
        click.echo(
            f"  {name:<12} {moved['copied']:>8} copied {moved['already_there']:>8} already there"
        )


@store_group.command("recount")
@json_option
@click.pass_obj
def recount_command(state: State, as_json: bool) -> None:
    """Count the report's kept figures again from the jobs.

    Every writer keeps them as jobs change, from store schema 4 on. After a
    rolling upgrade from a release older than that, run this once the last old
    process has stopped: what the old processes changed in the meantime is
    then counted too. Safe while workers run.

    \b
    Example:
      jobadapter --store postgresql://jobadapter@db.internal/jobadapter store recount
    """
    from jobadapter.store.sql_store import SqlStore

    store = state.store
    if not isinstance(store, SqlStore):
        raise click.UsageError("store recount works on jobadapter's SQL stores: drop --no-store")
    counted = store.recount_kept_figures()
    if as_json:
        echo_json({"store": repr(store), "rows": counted})
        return
    click.echo(f"counted the kept figures of {store!r} again from its jobs")
    for table, rows in counted.items():
        click.echo(f"  {table:<17} {rows:>8} rows")


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(store_group)
