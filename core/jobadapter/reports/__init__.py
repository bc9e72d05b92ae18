"""Unified reports across providers, computed by the store's database.

``build_report(store, ...)`` returns a :class:`Report`; ``report(store,
format, formats=..., ...)`` renders it by format name (``table``, ``json``,
``csv``, or any a plugin registers).
"""

from __future__ import annotations

from jobadapter.reports.model import (
    DEFAULT_GROUP_BY,
    GROUP_KEYS,
    SCHEMA_ID,
    DurationStats,
    Report,
    ReportGroup,
    ReportQuery,
    RowTotals,
    report_schema,
)
from jobadapter.reports.query import (
    Renderer,
    UnknownReportFormat,
    build_report,
    make_query,
    parse_when,
    report,
)

__all__ = [
    "DEFAULT_GROUP_BY",
    "GROUP_KEYS",
    "SCHEMA_ID",
    "DurationStats",
    "Renderer",
    "Report",
    "ReportGroup",
    "ReportQuery",
    "RowTotals",
    "UnknownReportFormat",
    "build_report",
    "make_query",
    "parse_when",
    "report",
    "report_schema",
]
