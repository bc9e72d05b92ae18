"""The report table reads well at 80, 120 and 160 columns: names whole or shortened
with an ellipsis, numbers never cut, less important columns dropped first; --wide
keeps every column."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_process import PtyRun, cli_env
from jobadapter.model import Counts, Job
from jobadapter.reports import build_report
from jobadapter.reports.formats import render_table
from jobadapter.status import JobStatus
from jobadapter.store import SqliteStore

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
NAMES = ("zuora.custom_object_job", "zoho.mass_update", "zuora.mass_updater")


def _jobs() -> list[Job]:
    return [
        Job(
            adapter=adapter,
            id=f"job-{i}",
            status=JobStatus.SUCCEEDED,
            operation="update_accounting_code",
            counts=Counts(total=1_100_000, processed=1_100_000, succeeded=1_099_000, failed=1_000),
            created_at=T0,
            updated_at=T0 + dt.timedelta(seconds=3600 * (i + 1)),
        )
        for i, adapter in enumerate(NAMES)
    ]


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    s = SqliteStore(":memory:")
    for job in _jobs():
        s.observe(job, observed_at=job.updated_at)
    yield s
    s.close()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w.…/,%-]+", text))


@pytest.mark.parametrize("width", [80, 120, 160])
def test_table_fits_and_keeps_names_and_numbers_whole(store: SqliteStore, width: int) -> None:
    text = render_table(build_report(store, now=T0 + dt.timedelta(days=1)), width=width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width, text
    words = _words(text)
    assert "1,100,000/1,100,000" in words, text  # numbers are never cut
    assert "3,300,000/3,300,000" in words, text  # the total line too
    if width >= 120:
        assert "3,000" in words, text  # failed rows, whole
    for name in NAMES:  # whole, or one piece ending in an ellipsis: never split over lines
        shortened = [w for w in words if w.endswith("…") and name.startswith(w[:-1])]
        assert name in words or shortened, text
    # no line holds a fragment of a name cut without an ellipsis
    fragments = {"custom_", "object_", "job", "updat", "e"}
    assert not any(line.split()[:1] and line.split()[0] in fragments for line in lines[3:]), text


def test_narrow_table_drops_less_important_columns_first(store: SqliteStore) -> None:
    report = build_report(store, now=T0 + dt.timedelta(days=1))
    narrow, full = render_table(report, width=80), render_table(report, width=400)
    assert "Succeeded with" in full and "Succeeded with" not in narrow
    assert "Rows" in narrow and "Jobs" in narrow  # the essentials stay


def test_wide_shows_every_column_at_80(store: SqliteStore) -> None:
    text = render_table(build_report(store, now=T0 + dt.timedelta(days=1)), width=80, wide=True)
    for header in ("Succeeded with", "Jobs with", "Anomalies", "p50", "p95", "max", "Errors"):
        assert header in text
    assert "zuora.custom_object_job" in text


@pytest.mark.parametrize("wide", [False, True])
def test_report_command_on_an_80_column_pty(tmp_path: Path, wide: bool) -> None:
    path = tmp_path / "jobs.sqlite3"
    with SqliteStore(str(path)) as target:
        for job in _jobs():
            target.observe(job, observed_at=job.updated_at)
    args = ["--store", str(path), "report", *(["--wide"] if wide else [])]
    term = PtyRun(args, cli_env(tmp_path, COLUMNS="80", LINES="40"))
    assert term.wait() == 0, term.text
    screen = term.text.replace("\r", "")
    assert "1,100,000/1,100,000" in screen
    if wide:
        assert "zuora.custom_object_job" in screen and "Succeeded with" in screen
    else:
        assert max(len(line) for line in screen.splitlines()) <= 80, screen
        assert "Succeeded with" not in screen
