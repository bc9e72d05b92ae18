"""``jobadapter list``: the provider's jobs of an adapter that declares ``list``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jobadapter import Hub
from jobadapter.cli.main import cli
from jobadapter.config import profile_from_mapping
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator

ADAPTER = "zuora.custom_object_job"


def test_list_shows_the_providers_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = CustomObjectJobsSimulator(clock=SimClock(speed=0))
    with SandboxServer(sim):
        profile = sim.profile()
        with Hub(config=False, profiles=[profile_from_mapping("co", profile)]) as hub:
            submitted = {hub.submit(d.adapter, d.request).id for d in sim.demo_requests()}
        config = tmp_path / "config.toml"
        lines = ["[profiles.co]"] + [f'{k} = "{v}"' for k, v in profile.items()]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        monkeypatch.setenv("JOBADAPTER_CONFIG", str(config))
        monkeypatch.setenv("JOBADAPTER_HOME", str(tmp_path / "home"))
        runner = CliRunner()
        listed = runner.invoke(cli, ["--no-store", "list", ADAPTER, "-p", "co", "--json"])
        assert listed.exit_code == 0, listed.output
        assert {job["id"] for job in json.loads(listed.output)} == submitted
        one = runner.invoke(cli, ["--no-store", "list", ADAPTER, "-p", "co", "--limit", "1"])
        assert one.exit_code == 0 and one.output.count(ADAPTER) == 1
        refused = runner.invoke(cli, ["--no-store", "list", "zuora.mass_updater", "-p", "co"])
        assert refused.exit_code == 2 and "does not support 'list'" in refused.output
