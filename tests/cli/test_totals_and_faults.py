"""A total known at submit shows in ``status`` and in ``demo --no-store``; the demo
under faults reports a job that failed to submit and carries on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from jobadapter import Hub
from jobadapter.cli.main import cli
from jobadapter.config import profile_from_mapping
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.store import SqliteStore
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator

ADAPTER = "zuora.custom_object_job"
UNKNOWN_TOTAL = re.compile(r"rows \d+/\?")


def test_status_shows_the_total_known_at_submit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SimClock(speed=0)
    sim = CustomObjectJobsSimulator(clock=clock)
    store_path = tmp_path / "jobs.sqlite3"
    with SandboxServer(sim):
        profile = sim.profile()
        create = next(d for d in sim.demo_requests() if d.request.operation == "create")
        with (
            SqliteStore(store_path) as store,
            Hub(config=False, profiles=[profile_from_mapping("co", profile)], store=store) as hub,
        ):
            job = hub.submit(create.adapter, create.request)
        assert job.counts.total  # the rows uploaded
        clock.advance(1.5)  # running: the status answer names no total
        config = tmp_path / "config.toml"
        lines = ["[profiles.co]"] + [f'{k} = "{v}"' for k, v in profile.items()]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        monkeypatch.setenv("JOBADAPTER_CONFIG", str(config))
        monkeypatch.setenv("NO_COLOR", "1")
        shown = CliRunner().invoke(
            cli, ["--store", str(store_path), "status", ADAPTER, job.id, "-p", "co"]
        )
    assert f"/{job.counts.total}" in shown.output, shown.output
    assert not UNKNOWN_TOTAL.search(shown.output)


def test_demo_without_a_store_shows_totals_known_at_submit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBADAPTER_HOME", str(tmp_path))
    monkeypatch.setenv("NO_COLOR", "1")
    result = CliRunner().invoke(cli, ["--no-store", "demo", "--speed", "20"])
    assert result.exit_code == 0, result.output
    assert not UNKNOWN_TOTAL.search(result.output), result.output


def test_demo_under_faults_reports_failed_submits_and_carries_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOBADAPTER_HOME", str(tmp_path))
    result = CliRunner().invoke(
        cli, ["--no-store", "demo", "--faults", "server_error=1", "--deadline", "20"]
    )
    assert result.exit_code == 1, result.output  # a job failed (to start): not exit 3
    assert "failed to submit" in result.output
    assert "demo job(s) failed to submit (see above); the others ran" in result.output
