"""Printing for people and for scripts: rich only when it helps, imported lazily."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from jobadapter.model import Job


def use_rich(stream: Any = None) -> bool:
    """Rich output on a terminal, unless NO_COLOR or TERM=dumb say otherwise."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") is not None or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


#: ``--json`` as every command spells it: results, and errors, as JSON on stdout.
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON for scripts (errors too)."
)


def paint(text: str, colour: str, stream: Any = None) -> str:
    """``text`` in ``colour`` where colour is welcome (a terminal, no NO_COLOR), else as is."""
    return click.style(text, fg=colour) if use_rich(stream or sys.stderr) else text


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True, default=str))


def job_line(job: Job) -> str:
    """One plain line per job: adapter, id, status, counts."""
    c = job.counts
    parts = [job.adapter, job.id, job.status.value]
    if job.native_status and job.native_status.lower() != job.status.value:
        parts.append(f"({job.native_status})")
    if c.total is not None or c.processed is not None:
        parts.append(
            f"rows {c.processed if c.processed is not None else '?'}/{c.total if c.total is not None else '?'}"
        )
    if c.failed:
        parts.append(f"failed {c.failed}")
    if job.errors:
        parts.append("error: " + "; ".join(e.message for e in job.errors)[:200])
    return "  ".join(parts)


def print_jobs(jobs: Sequence[Job], *, as_json: bool) -> None:
    if as_json:
        # Here, not at the top: cattrs is for printing jobs, and every command
        # imports this module (errors are printed through it).
        from jobadapter.serialize import to_dict

        echo_json([to_dict(job) for job in jobs])
        return
    if not use_rich():
        for job in jobs:
            click.echo(job_line(job))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("adapter", "id", "status", "native", "total", "processed", "succeeded", "failed")
    for job in jobs:
        c = job.counts
        table.add_row(
            job.adapter,
            job.id,
            job.status.value,
            job.native_status or "",
            *(
                str(v) if v is not None else ""
                for v in (c.total, c.processed, c.succeeded, c.failed)
            ),
        )
    Console().print(table)


def print_rows(rows: Iterable[dict[str, Any]], *, as_json: bool) -> int:
    """Rows as JSON lines or CSV on stdout; returns how many."""
    import csv

    count = 0
    writer: csv.DictWriter[str] | None = None
    for row in rows:
        if as_json:
            click.echo(json.dumps(row, default=str, sort_keys=True))
        else:
            if writer is None:
                writer = csv.DictWriter(sys.stdout, fieldnames=list(row), extrasaction="ignore")
                writer.writeheader()
            writer.writerow(row)
        count += 1
    return count
