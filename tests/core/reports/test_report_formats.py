"""A report's formats: JSON to its schema, CSV, the table, and formats from the hook."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
from jobadapter.errors import ConfigError
from jobadapter.plugins import PluginHost
from jobadapter.reports import Report, UnknownReportFormat, build_report, report, report_schema
from jobadapter.reports.formats import CSV_FIGURES, format_seconds, render_table
from jobadapter.store import SqliteStore
from report_data import NOW


def test_json_format_has_the_documented_keys(mixed: SqliteStore) -> None:
    data = json.loads(report(mixed, "json", now=NOW))
    jsonschema.validate(data, report_schema())
    assert list(data) == ["schema", "generated_at", "group_by", "filters", "groups", "total"]
    assert data["schema"] == "jobadapter.report/1"
    assert data["generated_at"] == "2026-03-10T00:00:00Z"
    upd = next(g for g in data["groups"] if g["operation"] == "update")
    assert upd["adapter"] == "zuora.mass_updater"
    assert upd["rows"] == {
        "total": 110,
        "processed": 110,
        "succeeded": 95,
        "failed": 15,
        "processed_reporting_failures": 110,
    }
    assert upd["succeeded_with_row_failures"] == 1
    assert upd["duration_seconds"] == {"count": 2, "p50": 30.0, "p95": 60.0, "max": 60.0}
    assert sorted(g["adapter"] for g in data["groups"]) == [
        "zoho.mass_update",
        "zuora.bulk_job",
        "zuora.custom_object_job",
        "zuora.mass_updater",
        "zuora.mass_updater",
    ]
    by_profile = json.loads(report(mixed, "json", group_by=["adapter", "profile"], now=NOW))
    jsonschema.validate(by_profile, report_schema(("adapter", "profile")))


def test_csv_format(mixed: SqliteStore) -> None:
    text = report(mixed, "csv", now=NOW)
    rows = list(csv.DictReader(io.StringIO(text)))
    header = text.splitlines()[0].split(",")
    assert header == ["provider", "adapter", "operation", *CSV_FIGURES]
    assert "succeeded_with_row_failures" in header and "failure_rate" in header
    assert len(rows) == 5
    upd = next(r for r in rows if r["operation"] == "update")
    assert upd["jobs_succeeded"] == "1" and upd["jobs_failed"] == "1"
    assert upd["rows_failed"] == "15" and upd["succeeded_with_row_failures"] == "1"
    assert float(upd["failure_rate"]) == pytest.approx(15 / 110, abs=1e-6)
    assert upd["duration_max_s"] == "60.000"
    zoho = next(r for r in rows if r["provider"] == "zoho")
    assert zoho["operation"] == "" and zoho["failure_rate"] == "" and zoho["duration_p50_s"] == ""


def test_table_format(mixed: SqliteStore) -> None:
    text = report(mixed, "table", now=NOW)
    assert "\x1b[" not in text
    lines = text.splitlines()
    upd = next(line for line in lines if " update " in line)
    for cell in (
        "zuora.mass_updater",
        "110/110",
        "15",
        "13.64%",
        "1 succeeded, 1 failed",
        "1m 00s",
    ):
        assert cell in upd, cell
    assert "Succeeded with" in text and "failed rows" in text
    total = next(line for line in lines if line.strip().startswith("total"))
    assert "6" in total and "17" in total
    assert render_table(build_report(mixed, now=NOW)) == text


def test_format_seconds() -> None:
    assert [format_seconds(v) for v in (None, 0.25, 42, 185, 7800, 300000)] == [
        "-",
        "250ms",
        "42.0s",
        "3m 05s",
        "2h 10m",
        "3d 11h",
    ]


def test_formats_come_from_the_mapping_and_the_hook(mixed: SqliteStore) -> None:
    registry = PluginHost(load_entrypoints=False).registry
    assert {"table", "json", "csv"} <= set(registry.report_formats)
    text = report(mixed, "csv", formats=registry.report_formats, now=NOW)
    assert text.startswith("provider,adapter,operation,jobs,")

    def count(rep: Report) -> str:
        return f"{rep.total.jobs} jobs"

    assert report(mixed, "count", formats={"count": count}) == "6 jobs"
    with pytest.raises(UnknownReportFormat, match="installed: count"):
        report(mixed, "xml", formats={"count": count})
    with pytest.raises(ConfigError, match="no report format 'xml'"):
        report(mixed, "xml")
