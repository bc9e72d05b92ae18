"""Errors as a newcomer meets them: one line, exit codes by one rule, JSON on request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from cli_process import cli_env, run_piped
from jobadapter.cli import exits

CO = "zuora.custom_object_job"


def _submit_done_job(run: Any, config: Path, home: Path) -> str:
    data = home / "p.csv"
    data.write_text("name__c,age__c\nA,1\nB,2\n")
    submitted = run(
        "submit", CO, "-p", "zuora_custom_objects", "--file", str(data),
        "--object", "passenger", "--operation", "create", "--wait", "--json", config=config,
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    (job,) = json.loads(submitted.stdout[submitted.stdout.index("{") :])["jobs"]
    return str(job["id"])


def test_an_unwritable_out_path_is_one_line_exit_2(run: Any, sandbox: Any, home: Path) -> None:
    config, _ = sandbox
    job_id = _submit_done_job(run, config, home)
    out = "/nonexistent/dir/o.csv"
    result = run("results", CO, job_id, "-p", "zuora_custom_objects", "--out", out, config=config)
    assert result.exit_code == exits.USAGE
    assert result.stderr.strip() == f"error: No such file or directory: {out}"


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["demo", "--speed", "-1"], "--speed"),
        (["demo", "--speed", "0"], "--speed"),
        (["demo", "--deadline", "0"], "--deadline"),
        (["sandbox", "--port", "99999"], "--port"),
        (["sandbox", "--speed", "0"], "--speed"),
        (["watch", "--all-open", "--deadline", "-5"], "--deadline"),
    ],
)
def test_out_of_range_values_are_refused(run: Any, args: list[str], hint: str) -> None:
    result = run(*args)
    assert result.exit_code == exits.USAGE, result.output
    assert hint in result.output and "range" in result.output


def test_status_good_and_bad_reports_each_once(run: Any, sandbox: Any, home: Path) -> None:
    config, _ = sandbox
    good = _submit_done_job(run, config, home)
    bad = "0" * 32
    result = run("status", CO, good, bad, good, "-p", "zuora_custom_objects", config=config)
    assert result.exit_code == exits.PROVIDER
    assert result.stdout.count(good) == 1 and "succeeded" in result.stdout
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and bad in errors[0] and "not found" in errors[0].lower()

    as_json = run("status", CO, good, bad, "-p", "zuora_custom_objects", "--json", config=config)
    assert as_json.exit_code == exits.PROVIDER
    first, second = json.loads(as_json.stdout)
    assert first["id"] == good and first["status"] == "succeeded"
    assert second["id"] == bad and second["error"]["code"] == "not_found"
    assert second["error"]["exit_code"] == exits.PROVIDER


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["resolve", "99999", "--nothing-started"], exits.USAGE, "no submission with id 99999"),
        (["status", "zoho.mass_update", "Leads:abc", "-p", "zoho_mass_update"], exits.USAGE, "abc"),
        (
            ["status", "zoho.mass_update", "garbage", "-p", "zoho_mass_update"],
            exits.USAGE,
            "module",
        ),
        (
            ["status", "zoho.mass_update", "Leads:1", "-p", "zoho_mass_update"],
            exits.PROVIDER,
            "not found",
        ),
        (["status", "zuora.bulk_job", "0" * 32, "-p", "zuora_bulk"], exits.PROVIDER, "not found"),
        (
            ["status", "zuora.mass_updater", "0" * 32, "-p", "zuora_bulk"],
            exits.PROVIDER,
            "not found",
        ),
        (["status", CO, "0" * 32, "-p", "zuora_custom_objects"], exits.PROVIDER, "not found"),
    ],
)
def test_one_exit_code_rule(
    run: Any, sandbox: Any, args: list[str], code: int, needle: str
) -> None:
    """Not found at the provider: 3, saying "not found"; a malformed id or a missing
    local record: 2."""
    config, _ = sandbox
    result = run(*args, config=config)
    assert result.exit_code == code, result.output
    assert needle in result.stderr.lower() and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "code", "kind"),
    [
        (["status", CO, "x", "-p", "nope", "--json"], exits.USAGE, "config"),
        (["status", CO, "0" * 32, "-p", "zuora_custom_objects", "--json"], exits.PROVIDER, None),
        (["resolve", "99999", "--nothing-started", "--json"], exits.USAGE, "not_found_locally"),
        (["demo", "--speed", "0", "--json"], exits.USAGE, "usage"),
        (["report", "--adapter", "nope.adapter", "--json"], exits.USAGE, "usage"),
        (["report", "--adapter", "nope.adapter", "--format", "json"], exits.USAGE, "usage"),
        (["status", "nope.adapter", "x", "--json"], exits.USAGE, "unknown_adapter"),
    ],
)
def test_json_errors_on_stdout_with_the_same_exit_codes(
    run: Any, sandbox: Any, args: list[str], code: int, kind: str | None
) -> None:
    config, _ = sandbox
    result = run(*args, config=config)
    assert result.exit_code == code, result.output
    data = json.loads(result.stdout)
    if isinstance(data, list):  # status: one entry per job, errors in place
        (data,) = data
    error = data["error"]
    assert set(error) == {"code", "message", "exit_code"} and error["exit_code"] == code
    if kind is not None:
        assert error["code"] == kind
    assert "error:" not in result.stdout


def test_every_command_takes_json(run: Any) -> None:
    from jobadapter.cli.main import cli

    def commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
        found = []
        ctx = click.Context(group)
        for name in group.list_commands(ctx):  # the group loads its commands lazily
            command = group.get_command(ctx, name)
            if hasattr(command, "commands"):
                found += commands(command, f"{prefix}{name} ")
            else:
                found.append((prefix + name, command))
        return found

    #: Serves until stopped, printing nothing a script reads (its pages have a JSON API).
    servers = {"serve"}
    missing = [
        name
        for name, command in commands(cli)
        if name not in servers
        and "--json" not in {opt for p in command.params for opt in getattr(p, "opts", [])}
    ]
    assert missing == []


def test_mistyped_names_are_refused_naming_what_is_known(
    run: Any, sandbox: Any, home: Path
) -> None:
    config, _ = sandbox
    report = run("report", "--adapter", "nope.adapter")
    assert report.exit_code == exits.USAGE and "zoho.mass_update" in report.output
    status = run("report", "--status", "done")
    assert status.exit_code == exits.USAGE and "succeeded" in status.output

    store = home / "nonexistent" / "dir" / "x.sqlite3"
    missing = run("--store", str(store), "report")
    assert missing.exit_code == exits.USAGE and str(store.parent) in missing.output
    assert not store.parent.exists()

    data = home / "codes.csv"
    data.write_text("a,b\n1,2\n")
    module = run(
        "submit", "zuora.mass_updater", "-p", "zuora_bulk", "--file", str(data),
        "--action", "UpdateAccountingCode", "--module", "Leads", config=config,
    )  # fmt: skip
    assert module.exit_code == exits.USAGE
    assert "does not take module" in module.output and "action" in module.output


def test_bogus_plugin_names_are_warned_about(home: Path) -> None:
    result = run_piped(["plugins"], cli_env(home, JOBADAPTER_PLUGINS="bogus"))
    assert "JOBADAPTER_PLUGINS names bogus" in result.stderr
    assert "zuora_bulk" in result.stderr  # what is installed


def test_no_config_names_the_file_and_points_at_the_sandbox(run: Any, home: Path) -> None:
    result = run("status", "zoho.mass_update", "Leads:1")
    assert result.exit_code == exits.USAGE
    assert "config.toml" in result.stderr and "does not exist" in result.stderr
    assert "jobadapter sandbox" in result.stderr


def test_unknown_adapter_names_the_distribution(run: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("JOBADAPTER_PLUGINS", "zoho_mass_update")
    result = run("status", "zuora.custom_object_job", "x")
    assert result.exit_code == exits.USAGE
    assert "jobadapter-zuora-custom-objects" in result.stderr
    assert "pip install --find-links dist" in result.stderr
