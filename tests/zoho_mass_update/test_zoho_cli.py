"""What an operator types: ``jobadapter submit``/``status``/``cancel`` for zoho.mass_update."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from jobadapter.cli.main import cli
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter_zoho_mass_update.simulator import ZohoMassUpdateSimulator


@pytest.fixture
def run(
    server: SandboxServer,
    sim: ZohoMassUpdateSimulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    config = tmp_path / "config.toml"
    lines = ["[profiles.crm]"] + [f'{key} = "{value}"' for key, value in sim.profile().items()]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("JOBADAPTER_CONFIG", str(config))
    monkeypatch.setenv("JOBADAPTER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(
        "JOBADAPTER_PLUGINS", "zoho_common,zoho_mass_update"
    )  # only this plugin loads
    monkeypatch.setenv("NO_COLOR", "1")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_submit_then_status_with_the_printed_id(
    run: Any, sim: ZohoMassUpdateSimulator, clock: SimClock
) -> None:
    sim.add_view("4150868000000087501", records=30, failing=3)
    submitted = run(
        "submit", "zoho.mass_update", "-p", "crm", "--module", "Leads",
        "--cvid", "4150868000000087501", "--set", "Lead_Status=Contacted", "--json",
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    (job,) = json.loads(submitted.output)
    assert job["status"] == "pending" and job["id"].startswith("Leads:")
    clock.advance(60)
    status = run("status", "zoho.mass_update", job["id"], "-p", "crm", "--json")
    assert status.exit_code == 0, status.output
    (done,) = json.loads(status.output)
    assert done["status"] == "succeeded"
    assert (done["counts"]["total"], done["counts"]["succeeded"], done["counts"]["failed"]) == (
        30,
        27,
        3,
    )
    assert done["target"] == "Leads"


def test_ids_submit_with_options(run: Any, sim: ZohoMassUpdateSimulator) -> None:
    result = run(
        "submit", "zoho.mass_update", "-p", "crm", "--module", "Deals", "--ids", "11,22,3FAIL",
        "--set", 'Languages_Known=["English","Spanish"]', "--option", "over_write=true", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (job,) = json.loads(result.output)
    assert job["status"] == "succeeded" and job["counts"]["failed"] == 1
    assert sim.received[-1] == (
        "Deals",
        {
            "data": [{"Languages_Known": ["English", "Spanish"]}],
            "ids": ["11", "22", "3FAIL"],
            "over_write": True,
        },
    )


def test_bare_id_and_cancel_say_what_to_do(run: Any) -> None:
    bare = run("status", "zoho.mass_update", "554023000000506003", "-p", "crm")
    assert bare.exit_code == 2
    assert "Leads:554023000000506003" in bare.output
    cancel = run("cancel", "zoho.mass_update", "Leads:1", "-p", "crm")
    assert cancel.exit_code == 2
    assert "cancel" in cancel.output


def test_501_ids_are_a_usage_error(run: Any, sim: ZohoMassUpdateSimulator) -> None:
    ids = ",".join(str(i) for i in range(501))
    result = run(
        "submit", "zoho.mass_update", "-p", "crm", "--module", "Leads", "--ids", ids, "--set", "A=1"
    )
    assert result.exit_code == 2
    assert "at most 500" in result.output
    assert len(sim.log) == 0
