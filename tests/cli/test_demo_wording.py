"""The demo says what it ran, why its figures differ from the wall clock, and what is kept."""

from __future__ import annotations

import json
from typing import Any

from jobadapter.hub import Hub

#: Every installed adapter: each has a simulator offering a demo job.
ADAPTERS = tuple(Hub(config=False).adapters())


def test_demo_counts_provider_apis_and_explains_simulated_time(run: Any) -> None:
    result = run("demo", "--speed", "50")
    assert result.exit_code == 0, result.output
    assert f"sandbox: {len(ADAPTERS)} simulated provider APIs" in result.stdout
    assert all(adapter in result.stdout.splitlines()[0] for adapter in ADAPTERS)
    assert "simulated time, which ran x50 faster" in result.stdout
    assert "`jobadapter report`" in result.stdout


def test_no_store_demo_does_not_point_at_a_stored_report(run: Any) -> None:
    result = run("--no-store", "demo", "--speed", "50")
    assert result.exit_code == 0, result.output
    assert "jobadapter report" not in result.stdout
    assert "nothing was kept" in result.stdout


def test_demo_json_is_one_object_on_stdout(run: Any) -> None:
    result = run("demo", "--speed", "50", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {job["adapter"] for job in data["jobs"]} == set(ADAPTERS)
    assert data["report"]["total"]["jobs"] == len(data["jobs"])
    assert "sandbox:" in result.stderr
