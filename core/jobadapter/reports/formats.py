"""The built-in report formats: ``table`` (rich), ``json`` and ``csv``.

Each is ``render(report) -> str`` (complete text ending in a newline: write
it as is) and is registered through the same ``register_report_formats``
hook plugins use. Row failures inside SUCCEEDED
jobs get their own column in every format: a job can succeed with failed rows.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from collections.abc import Callable
from typing import Any

from jobadapter.reports.model import STATUS_NAMES, Report, ReportGroup

#: CSV figure columns after the group keys, in order (a contract, like the JSON keys).
CSV_FIGURES = (
    "jobs",
    *(f"jobs_{name}" for name in STATUS_NAMES),
    "rows_total",
    "rows_processed",
    "rows_succeeded",
    "rows_failed",
    "rows_processed_reporting_failures",
    "failure_rate",
    "jobs_with_row_failures",
    "succeeded_with_row_failures",
    "duration_count",
    "duration_p50_s",
    "duration_p95_s",
    "duration_max_s",
    "anomalies",
    "errors",
)


def render_json(report: Report) -> str:
    """The report as indented JSON (keys documented in :mod:`jobadapter.reports.model`)."""
    return json.dumps(report.to_dict(), indent=2) + "\n"


def _csv_figures(group: ReportGroup) -> list[Any]:
    d = group.duration
    return [
        group.jobs,
        *(group.statuses[name] for name in STATUS_NAMES),
        group.rows.total,
        group.rows.processed,
        group.rows.succeeded,
        group.rows.failed,
        group.rows.processed_reporting_failures,
        "" if group.failure_rate is None else f"{group.failure_rate:.6f}",
        group.jobs_with_row_failures,
        group.succeeded_with_row_failures,
        d.count,
        *("" if v is None else f"{v:.3f}" for v in (d.p50, d.p95, d.max)),
        group.anomalies,
        group.errors,
    ]


def render_csv(report: Report) -> str:
    """One header line, then one line per group (no total line: it would break sums)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = list(report.group_by)
    writer.writerow([*keys, *CSV_FIGURES])
    for group in report.groups:
        writer.writerow([*(group.key.get(k) or "" for k in keys), *_csv_figures(group)])
    return out.getvalue()


def format_seconds(value: float | None) -> str:
    """A duration a person reads at a glance: ``850ms``, ``42.0s``, ``3m 05s``, ``2h 10m``."""
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f}ms"
    if value < 60:
        return f"{value:.1f}s"
    minutes, seconds = divmod(round(value), 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def _status_text(group: ReportGroup) -> str:
    return ", ".join(f"{n} {name}" for name in STATUS_NAMES if (n := group.statuses[name])) or "-"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _table_cells(group: ReportGroup) -> list[str]:
    d = group.duration
    return [
        str(group.jobs),
        _status_text(group),
        f"{group.rows.processed:,}/{group.rows.total:,}",
        f"{group.rows.failed:,}",
        _rate(group.failure_rate),
        str(group.jobs_with_row_failures),
        str(group.succeeded_with_row_failures),
        format_seconds(d.p50),
        format_seconds(d.p95),
        format_seconds(d.max),
        str(group.anomalies),
        str(group.errors),
    ]


_TABLE_FIGURES = (
    "Jobs",
    "Statuses",
    "Rows\ndone/total",
    "Rows\nfailed",
    "Failure\nrate",
    "Jobs with\nfailed rows",
    "Succeeded with\nfailed rows",
    "p50",
    "p95",
    "max",
    "Anomalies",
    "Errors",
)


def _filters_text(report: Report) -> str | None:
    """``since …, status …`` for the filters in force (None when unfiltered)."""
    parts = [
        f"{name} {value if isinstance(value, str) else ', '.join(value)}"
        for name, value in report.query.filters_dict().items()
        if value is not None
    ]
    return "; ".join(parts) or None


def render_table(report: Report) -> str:
    """A rich table as plain text (no colour codes), with a total line.

    Fits the terminal when there is one. rich is imported here, not at
    module load, so ``jobadapter`` starts fast.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    keys = list(report.group_by)
    table = Table(
        title="jobadapter report",
        title_justify="left",
        caption=_filters_text(report) if report.groups else "no jobs match",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        show_footer=bool(keys and report.groups),
    )
    for i, key in enumerate(keys):
        table.add_column(key.capitalize(), footer="total" if i == 0 else "", overflow="fold")
    for name, footer in zip(_TABLE_FIGURES, _table_cells(report.total), strict=True):
        table.add_column(name, footer=footer, justify="left" if name == "Statuses" else "right")
    for group in report.groups:
        table.add_row(*(group.key.get(k) or "-" for k in keys), *_table_cells(group))
    # Fit a terminal; anywhere else (pipes, files, CI logs) keep rows unfolded.
    width = max(80, shutil.get_terminal_size((200, 24)).columns) if sys.stdout.isatty() else 200
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False, no_color=True)
    console.print(table)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


#: The formats the core registers (see ``jobadapter.builtins``).
BUILTIN_FORMATS: dict[str, Callable[[Report], str]] = {
    "table": render_table,
    "json": render_json,
    "csv": render_csv,
}
