"""``jobadapter reconcile`` and ``resolve``: settle submissions a crash left unanswered."""

from __future__ import annotations

import sys

import click

from jobadapter.cli import exits
from jobadapter.cli.output import echo_json, json_option
from jobadapter.cli.state import State
from jobadapter.serialize import to_dict


def _store_or_fail(state: State) -> None:
    if state.store is None:
        raise click.UsageError("reconcile reads the store: do not pass --no-store")


@click.command("reconcile")
@json_option
@click.pass_obj
def reconcile_command(state: State, as_json: bool) -> None:
    """Settle every submission left pending by a crash, never starting a job twice.

    Each is found among the provider's jobs (where the adapter can list them) or
    left for you to settle with `jobadapter resolve`. Resending under the same
    idempotency key needs the request, so from the command line it happens
    only through `hub.reconcile(resubmit=...)` in a program. Exit 0 when none
    is left pending, 1 when some need an operator or a later run.

    \b
    Example:
      jobadapter reconcile && jobadapter watch --all-open
    """
    _store_or_fail(state)
    report = state.hub.reconcile()
    if as_json:
        echo_json(
            [
                {
                    "submission": o.submission.id,
                    "adapter": o.submission.adapter,
                    "idempotency_key": o.submission.idempotency_key,
                    "resolution": o.resolution.value,
                    "job_id": o.job.id if o.job is not None else None,
                    "detail": o.detail,
                }
                for o in report
            ]
        )
    else:
        for outcome in report:
            click.echo(outcome.describe())
        if not len(report):
            click.echo("no pending submissions")
    sys.exit(exits.JOB_FAILED if report.unresolved else exits.OK)


@click.command("resolve")
@click.argument("submission_id", type=int)
@click.option("--job-id", help="The job this submission started, found at the provider.")
@click.option("--nothing-started", is_flag=True, help="The provider has no job for it.")
@json_option
@click.pass_obj
def resolve_command(
    state: State, submission_id: int, job_id: str | None, nothing_started: bool, as_json: bool
) -> None:
    """Settle one submission `reconcile` could not: link its job, or mark that none started.

    \b
    Examples:
      jobadapter resolve 42 --job-id Leads:554023000000506003
      jobadapter resolve 43 --nothing-started
    """
    _store_or_fail(state)
    if (job_id is None) == (not nothing_started):
        raise click.UsageError("give exactly one of --job-id and --nothing-started")
    job = state.hub.resolve_submission(submission_id, job_id=job_id)
    if as_json:
        echo_json(
            {
                "submission": submission_id,
                "resolution": "linked" if job else "nothing_started",
                "job": to_dict(job) if job else None,
            }
        )
        return
    click.echo(
        f"submission {submission_id}: "
        + (f"linked to {job.adapter} {job.id}" if job else "marked failed: nothing started")
    )


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(reconcile_command)
    cli.add_command(resolve_command)
