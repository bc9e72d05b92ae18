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


#: Figure columns dropped first as the terminal narrows (least important first).
_DROP_ORDER = (
    "Succeeded with\nfailed rows",
    "Jobs with\nfailed rows",
    "Anomalies",
    "p50",
    "max",
    "Errors",
    "Failure\nrate",
    "p95",
    "Statuses",
    "Rows\nfailed",
)
#: The narrowest a name column gets before it is shortened with an ellipsis.
_NAME_MIN = 14
_CELL_PADDING = 3  # one space each side and one between columns


def _natural_width(texts: list[str]) -> int:
    return max((len(line) for text in texts for line in text.splitlines()), default=0)


def _figures_that_fit(widths: dict[str, int], names_width: int, width: int) -> list[str]:
    """The figure columns kept so the table fits ``width``: names stay at least
    ``_NAME_MIN`` wide, numbers are never cut, the least important go first."""
    kept = list(widths)
    for name in _DROP_ORDER:
        if names_width + sum(widths[k] + _CELL_PADDING for k in kept) + _CELL_PADDING <= width:
            break
        kept.remove(name)
    return kept


def render_table(report: Report, *, width: int | None = None, wide: bool = False) -> str:
    """A rich table as plain text (no colour codes), with a total line.

    Fits ``width`` (default: the terminal; elsewhere every column is kept):
    names are never split mid-word (an ellipsis shortens them), numbers are
    never cut, and less important columns are dropped first; ``wide`` keeps
    every column whatever the width. rich is imported here, not at module
    load, so ``jobadapter`` starts fast.
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    if width is None:
        if sys.stdout.isatty():
            width = max(80, shutil.get_terminal_size((200, 24)).columns)
        else:  # pipes, files, CI logs: every column, rows unfolded
            width, wide = 200, True
    keys = list(report.group_by)
    rows = [_table_cells(g) for g in report.groups]
    total = _table_cells(report.total)
    figures = {
        name: _natural_width([name, total[i], *(r[i] for r in rows)])
        for i, name in enumerate(_TABLE_FIGURES)
    }
    key_cells = [[g.key.get(k) or "-" for g in report.groups] for k in keys]
    names_width = sum(
        min(_NAME_MIN, _natural_width([k, *cells])) + _CELL_PADDING
        for k, cells in zip(keys, key_cells, strict=True)
    )
    kept = list(figures) if wide else _figures_that_fit(figures, names_width, width)
    if wide:
        names_width = sum(
            _natural_width([k, *cells]) + _CELL_PADDING
            for k, cells in zip(keys, key_cells, strict=True)
        )
        width = max(width, names_width + sum(figures[k] + _CELL_PADDING for k in kept))
    table = Table(
        title="jobadapter report",
        title_justify="left",
        caption=_filters_text(report) if report.groups else "no jobs match",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        show_footer=bool(keys and report.groups),
    )
    for i, (key, cells) in enumerate(zip(keys, key_cells, strict=True)):
        table.add_column(
            key.capitalize(),
            footer="total" if i == 0 else "",
            overflow="ellipsis",  # a name longer than its column ends in "…", never folds
            min_width=_natural_width([key, *cells])
            if wide
            else min(_NAME_MIN, _natural_width([key, *cells])),
        )
    columns = [i for i, name in enumerate(_TABLE_FIGURES) if name in kept]
    for i in columns:
        name = _TABLE_FIGURES[i]
        table.add_column(
            name,
            footer=total[i],
            justify="left" if name == "Statuses" else "right",
            min_width=figures[name] if name != "Statuses" else None,
            no_wrap=name != "Statuses",
        )
    for group, cells in zip(report.groups, rows, strict=True):
        table.add_row(*(group.key.get(k) or "-" for k in keys), *(cells[i] for i in columns))
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
