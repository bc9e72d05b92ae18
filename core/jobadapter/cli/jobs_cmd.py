"""Job verbs: submit, status, cancel, results (watch lives in watch_cmd)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from jobadapter.cli import exits
from jobadapter.cli.failures import error_payload, report_error
from jobadapter.cli.output import echo_json, json_option, print_jobs, print_rows
from jobadapter.cli.state import State
from jobadapter.errors import JobAdapterError
from jobadapter.serialize import to_dict

profile_option = click.option("--profile", "-p", help="Profile name from the config file.")


def _pairs(values: tuple[str, ...], flag: str) -> dict[str, str]:
    result = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint=flag)
        result[key] = value
    return result


@click.command("submit")
@click.argument("adapter")
@profile_option
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Data file to upload (CSV, or zipped CSV where the provider takes it).",
)
@click.option("--action", help="Zuora mass action type, e.g. UpdateAccountingCode.")
@click.option("--name", help="Job name (Zuora bulk data).")
@click.option("--object", "object_", help="Object type or custom object name.")
@click.option("--operation", help="Operation (create, update, delete, Import, ...).")
@click.option("--module", help="Zoho CRM module API name, e.g. Leads.")
@click.option("--cvid", help="Zoho custom view id selecting the records (background job).")
@click.option("--ids", help="Comma separated record ids (Zoho: applied at once, no job).")
@click.option(
    "--set",
    "fields",
    multiple=True,
    metavar="FIELD=VALUE",
    help="A field value to set (repeatable).",
)
@click.option(
    "--option",
    "extra",
    multiple=True,
    metavar="KEY=VALUE",
    help="Any other adapter option (repeatable).",
)
@click.option("--wait", is_flag=True, help="Watch the job until it ends.")
@click.option(
    "--deadline",
    type=click.FloatRange(min=0, min_open=True),
    help="With --wait: stop watching after this many seconds (exit 4).",
)
@json_option
@click.pass_obj
def submit_command(
    state: State,
    adapter: str,
    profile: str | None,
    file: Path | None,
    action: str | None,
    name: str | None,
    object_: str | None,
    operation: str | None,
    module: str | None,
    cvid: str | None,
    ids: str | None,
    fields: tuple[str, ...],
    extra: tuple[str, ...],
    wait: bool,
    deadline: float | None,
    as_json: bool,
) -> None:
    """Submit a job to ADAPTER.

    \b
    Examples:
      jobadapter submit zuora.mass_updater -p prod --file codes.csv --action UpdateAccountingCode --wait
      jobadapter submit zoho.mass_update -p crm --module Leads --cvid 4150868000000087501 --set Lead_Status=Contacted
    """
    options: dict[str, Any] = {
        "file": file,
        "action": action,
        "name": name,
        "object": object_,
        "operation": operation,
        "module": module,
        "cvid": cvid,
        "ids": [i.strip() for i in ids.split(",") if i.strip()] if ids else None,
    }
    if fields:
        options["data"] = _pairs(fields, "--set")
    options.update(_pairs(extra, "--option"))
    options = {k: v for k, v in options.items() if v is not None}
    hub = state.hub
    profile = state.profile_for(adapter, profile)
    request = hub.adapter(adapter).request_from_options(options)
    job = hub.submit(adapter, request, profile=profile)
    if wait and not job.is_terminal:
        from jobadapter.cli.watch_cmd import watch_jobs

        sys.exit(
            watch_jobs(
                state.hub,
                state.store,
                [(adapter, job.id, profile)],
                deadline=deadline,
                as_json=as_json,
            )
        )
    print_jobs([job], as_json=as_json)
    sys.exit(exits.code_for_jobs([job]))


@click.command("status")
@click.argument("adapter")
@click.argument("job_ids", nargs=-1, required=True)
@profile_option
@json_option
@click.pass_obj
def status_command(
    state: State, adapter: str, job_ids: tuple[str, ...], profile: str | None, as_json: bool
) -> None:
    """Show the current state of jobs at the provider.

    \b
    Example:
      jobadapter status zuora.bulk_job 3f2a... 9b1c... --json
    """
    profile = state.profile_for(adapter, profile)
    state.hub.connection(adapter, profile)  # adapter and profile errors: once, not per id
    jobs, failed = [], []
    for job_id in dict.fromkeys(job_ids):  # each job once, in the order given
        try:
            jobs.append(state.hub.get(adapter, job_id, profile=profile))
        except JobAdapterError as exc:  # one bad id never hides the others
            failed.append((job_id, exc))
    jobs = _record(state, jobs, profile)  # what the store knew (a total from submit) kept
    if as_json:
        echo_json(
            [to_dict(job) for job in jobs]
            + [{"adapter": adapter, "id": i, "error": error_payload(e)} for i, e in failed]
        )
    else:
        print_jobs(jobs, as_json=False)
        for job_id, error in failed:
            report_error(error, as_json=False, about=job_id)
    codes = [exits.code_for_error(error) for _, error in failed]
    sys.exit(max(codes) if codes else exits.code_for_jobs(jobs))


@click.command("cancel")
@click.argument("adapter")
@click.argument("job_id")
@profile_option
@json_option
@click.pass_obj
def cancel_command(
    state: State, adapter: str, job_id: str, profile: str | None, as_json: bool
) -> None:
    """Ask the provider to stop a job (where the provider allows it).

    \b
    Example:
      jobadapter cancel zuora.mass_updater 2c92c0f8... -p prod
    """
    profile = state.profile_for(adapter, profile)
    job = state.hub.cancel(adapter, job_id, profile=profile)
    _record(state, [job], profile)
    print_jobs([job], as_json=as_json)


@click.command("results")
@click.argument("adapter")
@click.argument("job_id")
@profile_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write CSV here instead of stdout.",
)
@json_option
@click.pass_obj
def results_command(
    state: State, adapter: str, job_id: str, profile: str | None, out: Path | None, as_json: bool
) -> None:
    """Stream a finished job's per-row outcome as CSV (or JSON lines).

    \b
    Example:
      jobadapter results zuora.mass_updater 2c92c0f8... --out outcome.csv
    """
    rows = state.hub.results(adapter, job_id, profile=state.profile_for(adapter, profile))
    count = print_rows(rows, as_json=as_json) if out is None else _write_csv(rows, out)
    if not state.quiet:
        click.echo(f"{count} row(s)", err=True)


def _write_csv(rows: Any, out: Path) -> int:
    import csv

    count = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer: csv.DictWriter[str] | None = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(row), extrasaction="ignore")
                writer.writeheader()
            writer.writerow(row)
            count += 1
    return count


def _record(state: State, jobs: list[Any], profile: str | None) -> list[Any]:
    """Keep what the CLI saw in the store, so reports include it; the jobs as kept
    (an answer without a total keeps the one known from submit)."""
    store = state.store
    if store is None:
        return jobs
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    return [store.observe(job, profile=profile, observed_at=now).job for job in jobs]


def register(cli: click.Group) -> None:
    """Add this module's commands to the group (listed in commands.BUILTIN)."""
    cli.add_command(submit_command)
    cli.add_command(status_command)
    cli.add_command(cancel_command)
    cli.add_command(results_command)
