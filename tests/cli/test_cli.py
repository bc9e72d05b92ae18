"""The command line as a user meets it: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from jobadapter.cli import exits

ZOHO_ADAPTERS = {"zoho.mass_update", "zoho.bulk_read", "zoho.bulk_write"}
ADAPTERS = {"zuora.mass_updater", "zuora.bulk_job", "zuora.custom_object_job", *ZOHO_ADAPTERS}


def test_plugins_json_lists_every_adapter_with_capabilities(run: Any) -> None:
    result = run("plugins", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    adapters = {a for row in rows for a in row["adapters"]}
    assert adapters >= ADAPTERS
    zoho = next(row for row in rows if "zoho.mass_update" in row["adapters"])
    assert "cancel" not in zoho["capabilities"]["zoho.mass_update"]
    assert "register_adapters" in zoho["hooks"] and zoho["version"]


def test_every_command_has_help_with_an_example(run: Any) -> None:
    for command in (
        "plugins",
        "submit",
        "status",
        "watch",
        "cancel",
        "results",
        "report",
        "sandbox",
        "demo",
    ):
        result = run(command, "--help")
        assert result.exit_code == 0, command
        assert "Example" in result.output, command


def test_unknown_profile_is_one_line_and_exit_2(run: Any, sandbox: Any) -> None:
    config, _ = sandbox
    result = run("status", "zuora.custom_object_job", "x", "--profile", "nope", config=config)
    assert result.exit_code == exits.USAGE
    assert result.output.count("\n") == 1 and "no profile named 'nope'" in result.output
    assert "Traceback" not in result.output


def test_unknown_job_is_a_provider_error_exit_3(run: Any, sandbox: Any) -> None:
    config, _ = sandbox
    result = run(
        "status", "zuora.custom_object_job", "0" * 32, "-p", "zuora_custom_objects", config=config
    )
    assert result.exit_code == exits.PROVIDER
    assert result.output.startswith("error:") and "Traceback" not in result.output


def test_cancel_not_supported_says_so(run: Any, sandbox: Any) -> None:
    config, _ = sandbox
    result = run("cancel", "zoho.mass_update", "Leads:1", "-p", "zoho_mass_update", config=config)
    assert result.exit_code == exits.USAGE
    assert "does not support 'cancel'" in result.output and "Zoho" in result.output


def test_submit_wait_then_status_results_report(run: Any, sandbox: Any, home: Path) -> None:
    config, _ = sandbox
    data = home / "passengers.csv"
    data.write_text(
        "name__c,age__c\n" + "".join(f"P{i},{20 + i}\n" for i in range(30)) + "Bad,FAIL\n"
    )
    result = run(
        "submit",
        "zuora.custom_object_job",
        "-p",
        "zuora_custom_objects",
        "--file",
        str(data),
        "--object",
        "passenger",
        "--operation",
        "create",
        "--wait",
        "--json",
        config=config,
    )
    assert result.exit_code == exits.OK, result.output
    final = json.loads(result.output[result.output.index("{") :])
    (job,) = final["jobs"]
    assert job["status"] == "succeeded" and job["counts"]["failed"] == 1
    assert job["counts"]["processed"] == 31

    status = run(
        "status",
        "zuora.custom_object_job",
        job["id"],
        "-p",
        "zuora_custom_objects",
        "--json",
        config=config,
    )
    assert status.exit_code == 0 and json.loads(status.output)[0]["status"] == "succeeded"

    rows = run(
        "results",
        "zuora.custom_object_job",
        job["id"],
        "-p",
        "zuora_custom_objects",
        "--json",
        config=config,
    )
    assert rows.exit_code == 0
    lines = [json.loads(line) for line in rows.output.splitlines() if line.startswith("{")]
    assert len(lines) == 1 and "FAIL" in json.dumps(lines[0])

    report = run("report", "--format", "json")
    groups = json.loads(report.output)["groups"]
    (group,) = [g for g in groups if g["adapter"] == "zuora.custom_object_job"]
    assert group["rows"]["failed"] == 1 and group["succeeded_with_row_failures"] == 1


def test_watch_deadline_exits_4_and_the_job_goes_on(run: Any, sandbox: Any, home: Path) -> None:
    config, simulators = sandbox
    for sim in simulators:
        sim.clock.speed = 0.0  # nothing moves: the deadline comes first
    data = home / "p.csv"
    data.write_text("name__c,age__c\nA,1\n")
    submitted = run(
        "submit",
        "zuora.custom_object_job",
        "-p",
        "zuora_custom_objects",
        "--file",
        str(data),
        "--object",
        "passenger",
        "--operation",
        "create",
        "--json",
        config=config,
    )
    job_id = json.loads(submitted.output)[0]["id"]
    result = run(
        "watch",
        "zuora.custom_object_job",
        job_id,
        "-p",
        "zuora_custom_objects",
        "--deadline",
        "0.5",
        config=config,
    )
    assert result.exit_code == exits.DEADLINE
    assert "continues at the provider" in result.output


def test_watch_needs_jobs_or_all_open(run: Any) -> None:
    result = run("watch")
    assert result.exit_code == 2 and "--all-open" in result.output


def test_sandbox_profiles_toml_round_trip(sandbox: Any) -> None:
    from jobadapter.config import load_config

    config, simulators = sandbox
    profiles = load_config(config)
    assert {sim.name for sim in simulators} == set(profiles)


def test_demo_then_report_in_a_real_process(home: Path) -> None:
    """The README's first command, as a subprocess, twice into one store: the stored
    report then has every adapter, and the second run's jobs did not collide with the first's."""
    env = {**os.environ, "JOBADAPTER_HOME": str(home / "demo-home"), "NO_COLOR": "1"}
    env.pop("JOBADAPTER_CONFIG", None)
    exe = [sys.executable, "-m", "jobadapter"]
    for _ in range(2):
        demo = subprocess.run(
            [*exe, "demo", "--speed", "20"], env=env, capture_output=True, text=True, timeout=120
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert "jobadapter report" in demo.stdout and "Traceback" not in demo.stderr
        assert "no jobs match" not in demo.stdout
    report = subprocess.run(
        [*exe, "report", "--format", "json"], env=env, capture_output=True, text=True, timeout=60
    )
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    groups = data["groups"]
    assert {g["adapter"] for g in groups} >= ADAPTERS
    for group in groups:
        assert group["statuses"]["succeeded"] == group["jobs"], group
        assert group["rows"]["processed"] == group["rows"]["total"], group
        assert group["anomalies"] == 0, group
    assert data["total"]["jobs"] == 2 * 7  # two demo runs of seven jobs (six adapters)
    assert sum(g["rows"]["failed"] for g in groups) > 0  # some rows fail on purpose


def test_reconcile_and_resolve_from_the_command_line(run: Any, sandbox: Any) -> None:
    """A crash left two submissions unanswered: listing settles the Zuora one; the Zoho
    one (no list, no idempotency) waits for an operator, who resolves it."""
    from jobadapter.store import SqliteStore, SubmissionState

    config, _ = sandbox
    with SqliteStore.default() as store:
        zuora = store.record_submission(
            adapter="zuora.custom_object_job",
            profile="zuora_custom_objects",
            idempotency_key="crash-1",
            request_summary={"object": "passenger"},
        )
        zoho = store.record_submission(
            adapter="zoho.mass_update",
            profile="zoho_mass_update",
            idempotency_key="crash-2",
            request_summary={"module": "Leads"},
        )
    first = run("reconcile", "--json", config=config)
    outcomes = {o["submission"]: o for o in json.loads(first.output)}
    assert outcomes[zuora]["resolution"] == "not_started"  # the provider has no such job
    assert outcomes[zoho]["resolution"] == "unknown"
    assert first.exit_code == 1  # one needs an operator

    resolved = run("resolve", str(zoho), "--nothing-started", config=config)
    assert resolved.exit_code == 0 and "nothing started" in resolved.output
    again = run("reconcile", config=config)
    assert again.exit_code == 0 and "no pending submissions" in again.output
    with SqliteStore.default() as store:
        assert store.submission(zoho).state is SubmissionState.FAILED


def test_without_the_zuora_common_plugin_zoho_still_works(run: Any, monkeypatch: Any) -> None:
    """Uninstalling one plugin (here the provider the Zuora adapters need) leaves the
    others working; the Zuora adapters are listed as unavailable, saying why."""
    monkeypatch.setenv("JOBADAPTER_DISABLE_PLUGINS", "zuora_common")
    result = run("plugins", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output[result.output.index("[") :])
    available = {a for row in rows for a in row["capabilities"]}
    unavailable = {a: why for row in rows for a, why in row["unavailable"].items()}
    assert available == ZOHO_ADAPTERS
    assert set(unavailable) == ADAPTERS - ZOHO_ADAPTERS
    assert all("needs provider 'zuora'" in why for why in unavailable.values())
    status = run("status", "zuora.bulk_job", "x")
    assert status.exit_code == 2 and "needs provider 'zuora'" in status.output
