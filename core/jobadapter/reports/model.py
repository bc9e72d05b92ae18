"""The report value: what a unified report says, in stable documented keys.

``Report.to_dict()`` is the JSON every format starts from. Its keys are part
of the contract (scripts read ``jobadapter report --format json``):

- ``schema``: ``"jobadapter.report/1"``; ``generated_at``: ISO-8601 ``Z``;
  ``group_by``: the key names each group carries; ``filters``: what was asked.
- ``groups``: one object per group, sorted by its keys, with the group keys
  (``provider``, ``adapter``, ``operation``, and ``profile`` / ``target`` on
  request) flattened in, then ``jobs``, ``statuses`` (one count per status,
  every status present), ``rows`` (``total``, ``processed``, ``succeeded``,
  ``failed``: sums over the jobs that report them; ``processed_reporting_failures``:
  rows processed by jobs that report a failed count), ``failure_rate``
  (``failed / processed_reporting_failures``, so a job that does not say how
  many rows failed does not dilute it; null when that is 0),
  ``jobs_with_row_failures`` (jobs with ``failed > 0``, any status),
  ``succeeded_with_row_failures`` (SUCCEEDED jobs with ``failed > 0``: row
  failures are counts, not a job status), ``duration_seconds`` (``count`` of
  jobs measured, ``p50``, ``p95``, ``max``), ``anomalies``, ``errors``.
- ``total``: the same figures over every job the filters select.

Durations are ``ended_at - started_at`` (else ``- created_at``) as the
provider reports them; a finished job whose provider gives no end time is
measured from first sight to the observed terminal status (when it was seen
before it finished). Percentiles use the nearest-rank method: always the
duration of a real job.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import attrs

from jobadapter.report_model import (
    DEFAULT_GROUP_BY,
    GROUP_KEYS,
    STATUS_NAMES,
    DurationStats,
    ReportGroup,
    ReportQuery,
    RowTotals,
)
from jobadapter.serialize import format_timestamp

if TYPE_CHECKING:
    from jobadapter.reports.chart_values import ChartSeries

# The query and the figures live in jobadapter.report_model, which the store reads
# too; this module stays their public import.
__all__ = [
    "DEFAULT_GROUP_BY",
    "GROUP_KEYS",
    "ROW_NAMES",
    "SCHEMA_ID",
    "STATUS_NAMES",
    "DurationStats",
    "Report",
    "ReportGroup",
    "ReportQuery",
    "RowTotals",
    "report_schema",
]

SCHEMA_ID = "jobadapter.report/1"

ROW_NAMES = ("total", "processed", "succeeded", "failed", "processed_reporting_failures")


@attrs.frozen(slots=True)
class Report:
    """A unified report across providers (see the module docstring for its keys)."""

    query: ReportQuery
    generated_at: dt.datetime
    groups: tuple[ReportGroup, ...]
    total: ReportGroup
    #: The charts' figures, when asked for (``build_report(charts=True)``); not in the JSON.
    series: ChartSeries | None = None

    @property
    def group_by(self) -> tuple[str, ...]:
        return self.query.group_by

    def to_dict(self) -> dict[str, Any]:
        """The JSON-safe form, keys in a stable order."""
        return {
            "schema": SCHEMA_ID,
            "generated_at": format_timestamp(self.generated_at),
            "group_by": list(self.query.group_by),
            "filters": self.query.filters_dict(),
            "groups": [group.to_dict() for group in self.groups],
            "total": self.total.to_dict(),
        }


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


def _group_schema(keys: tuple[str, ...]) -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    seconds = {"type": ["number", "null"], "minimum": 0}
    figures = {
        "jobs": count,
        "statuses": {
            "type": "object",
            "additionalProperties": False,
            "required": list(STATUS_NAMES),
            "properties": {name: count for name in STATUS_NAMES},
        },
        "rows": {
            "type": "object",
            "additionalProperties": False,
            "required": list(ROW_NAMES),
            "properties": {name: count for name in ROW_NAMES},
        },
        "failure_rate": {"type": ["number", "null"], "minimum": 0},
        "jobs_with_row_failures": count,
        "succeeded_with_row_failures": count,
        "duration_seconds": {
            "type": "object",
            "additionalProperties": False,
            "required": ["count", "p50", "p95", "max"],
            "properties": {"count": count, "p50": seconds, "p95": seconds, "max": seconds},
        },
        "anomalies": count,
        "errors": count,
    }
    properties = {key: _nullable("string") for key in keys} | figures
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


def report_schema(group_by: tuple[str, ...] = DEFAULT_GROUP_BY) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of ``Report.to_dict()`` for a given grouping."""
    names = {"type": ["array", "null"], "items": {"type": "string"}}
    time = {"type": ["string", "null"], "format": "date-time"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://jobadapter.invalid/schema/report.json",
        "title": "jobadapter report",
        "type": "object",
        "additionalProperties": False,
        "required": ["schema", "generated_at", "group_by", "filters", "groups", "total"],
        "properties": {
            "schema": {"const": SCHEMA_ID},
            "generated_at": {"type": "string", "format": "date-time"},
            "group_by": {"type": "array", "items": {"enum": list(GROUP_KEYS)}},
            "filters": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "since": time,
                    "until": time,
                    "status": {"type": ["array", "null"], "items": {"enum": list(STATUS_NAMES)}},
                    "adapter": names,
                    "provider": names,
                    "profile": names,
                },
            },
            "groups": {"type": "array", "items": _group_schema(group_by)},
            "total": _group_schema(()),
        },
    }
