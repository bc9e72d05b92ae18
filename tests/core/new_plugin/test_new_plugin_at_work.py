"""The generated plugin at work: loaded in a hub, listed, and submitting and watching jobs."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from generated_plugin import ADAPTER, NAME, PACKAGE, PLUGIN_MODULE, Generated, invoke
from jobadapter.cli.main import State
from jobadapter.cli.sandbox_cmd import profiles_toml
from jobadapter.hub import Hub
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.testing import SimulatedTime


def trailing_json(text: str) -> Any:
    """The JSON document that ends ``text``. ``watch --json`` prints its plain progress
    lines on stdout before the JSON (a core bug, reported), so skip to the document."""
    lines = text.splitlines()
    start = lines.index("{")
    return json.loads("\n".join(lines[start:]))


def test_the_plugin_module_loads_in_a_hub(generated: Generated) -> None:
    with Hub(config=False, load_entrypoints=False, plugins=[generated.plugin]) as hub:
        assert ADAPTER in hub.adapters()
        (info,) = [i for i in hub.plugin_infos() if i.name == PLUGIN_MODULE]
    assert info.adapters == (ADAPTER,)
    assert info.providers == ("acme",) and info.simulators == (NAME,)
    assert info.api_version == "1.0"
    assert info.hooks == ("register_adapters", "register_providers", "register_simulators")


def use_hub(monkeypatch: pytest.MonkeyPatch, plugin: ModuleType, **kwargs: Any) -> list[Hub]:
    """Make the CLI build its hub (and so its plugins) from ``plugin`` only (and
    ``kwargs``); returns the hubs built."""
    built: list[Hub] = []

    def hub(state: State) -> Hub:
        if state._hub is None:
            state._hub = Hub(
                config=state.config,
                store=state.store,
                plugins=[plugin],
                load_entrypoints=False,
                **kwargs,
            )
            built.append(state._hub)
        return state._hub  # type: ignore[no-any-return]

    monkeypatch.setattr(State, "hub", property(hub))
    # Commands that need no hub (plugins, report) take its plugins alone.
    monkeypatch.setattr(State, "plugins", property(lambda state: hub(state).plugins))
    monkeypatch.setenv("NO_COLOR", "1")
    return built


def test_jobadapter_plugins_lists_it(generated: Generated, monkeypatch: pytest.MonkeyPatch) -> None:
    hubs = use_hub(monkeypatch, generated.plugin)
    result = invoke("--config", os.devnull, "--no-store", "plugins", "--json")
    for hub in hubs:
        hub.close()
    assert result.exit_code == 0, result.output
    (row,) = [r for r in json.loads(result.output) if r["name"] == PLUGIN_MODULE]
    assert row["adapters"] == [ADAPTER]
    assert row["capabilities"] == {ADAPTER: ["get", "submit"]}
    assert row["api_version"] == "1.0"


def test_its_adapter_works_in_submit_and_watch_against_its_simulator(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim_clock = SimClock(speed=0)
    simulator = importlib.import_module(f"{PACKAGE}.simulator").AcmeSimulator(clock=sim_clock)
    config = tmp_path / "config.toml"
    rows = [{"email": f"p{n}@example.com", "_fail": n == 3} for n in range(8)]
    (tmp_path / "some.json").write_text(json.dumps(rows), encoding="utf-8")
    (tmp_path / "none.json").write_text(json.dumps([{"_fail": True}] * 2), encoding="utf-8")
    hubs = use_hub(monkeypatch, generated.plugin, clock=SimulatedTime(sim_clock))
    common = ["--config", str(config), "--store", str(tmp_path / "jobs.sqlite3")]
    try:
        with SandboxServer(simulator):
            config.write_text(profiles_toml({"acme": simulator.profile()}), encoding="utf-8")
            ids = []
            for name in ("some.json", "none.json"):
                args = ["submit", ADAPTER, "--object", "contacts", "--file", str(tmp_path / name)]
                submitted = invoke(*common, *args, "--json")
                assert submitted.exit_code == 0, submitted.output
                (job,) = json.loads(submitted.output)
                assert job["status"] == "pending"
                ids.append(job["id"])
            watched = invoke(*common, "watch", ADAPTER, *ids, "--json")
    finally:
        for hub in hubs:
            hub.close()
    assert watched.exit_code == 1, watched.output  # one job failed
    jobs = {job["id"]: job for job in trailing_json(watched.stdout)["jobs"]}
    some, none = jobs[ids[0]], jobs[ids[1]]
    assert some["status"] == "succeeded" and some["native_status"] == "completed"
    assert some["counts"] == {"total": 8, "processed": 8, "succeeded": 7, "failed": 1}
    assert none["status"] == "failed" and none["errors"][0]["code"] == "NO_RECORD_WRITTEN"
    assert sim_clock.now() > simulator.jobs[ids[0]].created  # time moved only by the watch
