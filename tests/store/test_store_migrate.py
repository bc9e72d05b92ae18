"""``jobadapter store migrate --to``: a SQLite store copied into PostgreSQL, whole, once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jobadapter.cli.main import cli
from jobadapter.model import Job
from jobadapter.reports import build_report
from jobadapter.status import JobStatus
from jobadapter.store import Store, open_store
from store_data import ADAPTERS, fill

NOW = dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)


def migrate(source: str, target: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["--store", source, "store", "migrate", "--to", target, "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["counts"]  # type: ignore[no-any-return]


def everything(store: Store) -> dict[str, Any]:
    """All a store tells about its jobs, in a form two stores can be compared by."""
    jobs = store.jobs()
    return {
        "jobs": jobs,
        "transitions": [store.transitions(*s.key) for s in jobs],
        "anomalies": store.anomalies(),
        "errors": store.errors(),
        "submissions": [
            (s.adapter, s.idempotency_key, s.state, s.job_id, s.request_summary, s.created_at)
            for s in store.pending_submissions()
        ],
        "report": json.dumps(build_report(store, now=NOW).to_dict(), sort_keys=True),
    }


@pytest.fixture
def source(tmp_path: Path) -> str:
    url = f"sqlite://{tmp_path / 'old.sqlite3'}"
    with open_store(url) as store:
        fill(store, seed=3, jobs=150)
        for n in range(3):
            store.record_submission(
                adapter=ADAPTERS[n],
                profile="p",
                idempotency_key=f"key-{n}",
                request_summary={"file": f"f{n}.csv"},
            )
    return url


def test_a_sqlite_store_moves_to_postgresql_whole_and_once(source: str, pg_schema_url: str) -> None:
    with open_store(source) as old:
        before = everything(old)
        transitions = sum(len(t) for t in before["transitions"])
        errors = len(before["errors"])
    first = migrate(source, pg_schema_url)
    assert first["jobs"] == {"copied": 150, "already_there": 0}
    assert first["transitions"] == {"copied": transitions, "already_there": 0}
    assert first["submissions"] == {"copied": 3, "already_there": 0}
    assert first["errors"] == {"copied": errors, "already_there": 0}
    assert errors > 0 and first["anomalies"]["copied"] > 0
    with open_store(pg_schema_url) as new:
        assert everything(new) == before
    # Again: nothing is copied twice.
    second = migrate(source, pg_schema_url)
    assert {name: moved["copied"] for name, moved in second.items()} == dict.fromkeys(second, 0)
    assert second["jobs"]["already_there"] == 150
    with open_store(pg_schema_url) as new:
        assert everything(new) == before


def test_jobs_the_target_already_tracks_are_left_alone(source: str, pg_schema_url: str) -> None:
    with open_store(source) as old:
        first = old.jobs()[0]
    newer = Job(adapter=first.job.adapter, id=first.job.id, status=JobStatus.CANCELLED)
    with open_store(pg_schema_url) as new:
        new.observe(newer)
    counts = migrate(source, pg_schema_url)
    assert counts["jobs"] == {"copied": 149, "already_there": 1}
    with open_store(pg_schema_url) as new:
        assert new.get(*first.key) == newer
        assert len(new.transitions(*first.key)) == 1


def test_the_printed_counts_and_a_bad_target(source: str, tmp_path: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    runner = CliRunner()
    result = runner.invoke(cli, ["--store", source, "store", "migrate", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert "jobs" in result.output and "150 copied" in result.output
    bad = runner.invoke(cli, ["--store", source, "store", "migrate", "--to", "postgress://x"])
    assert bad.exit_code == 2 and "postgresql://user@host/db" in bad.output
    same = runner.invoke(cli, ["--store", source, "store", "migrate", "--to", source])
    assert same.exit_code == 2 and "names the store being copied" in same.output
