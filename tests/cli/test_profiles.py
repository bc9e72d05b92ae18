"""Profiles as a user meets them: one unset secret blocks only its own profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jobadapter.cli import exits

ZUORA_PROD = """
[profiles.zuora-prod]
provider = "zuora"
base_url = "https://rest.zuora.com"
client_id_env = "ZUORA_CLIENT_ID_NOT_SET_FOR_TEST"
client_secret_env = "ZUORA_CLIENT_SECRET_NOT_SET_FOR_TEST"
"""


def test_an_unset_secret_blocks_only_the_profile_that_uses_it(
    run: Any, sandbox: Any, home: Path
) -> None:
    config, _ = sandbox
    mixed = home / "mixed.toml"
    mixed.write_text(config.read_text() + ZUORA_PROD)
    other = run("status", "zoho.mass_update", "Leads:1", "-p", "zoho_mass_update", config=mixed)
    assert "NOT_SET_FOR_TEST" not in other.output, other.output
    assert other.exit_code != exits.USAGE, other.output
    used = run("status", "zuora.bulk_job", "x" * 32, "-p", "zuora-prod", config=mixed)
    assert used.exit_code == exits.USAGE
    assert "$ZUORA_CLIENT_ID_NOT_SET_FOR_TEST, which is not set" in used.output


def test_profiles_lists_names_providers_urls_and_secret_sources_never_values(
    run: Any, home: Path, monkeypatch: Any
) -> None:
    config = home / "config.toml"
    config.write_text(
        ZUORA_PROD
        + '\n[profiles.crm]\nprovider = "zoho"\nclient_id = "zoho-id-value-123"\n'
        + 'refresh_token_env = "ZOHO_TOKEN_FOR_TEST"\n'
    )
    monkeypatch.setenv("ZOHO_TOKEN_FOR_TEST", "zoho-token-value-456")
    monkeypatch.setenv("JOBADAPTER_PROFILE", "crm")
    text = run("profiles", config=config)
    assert text.exit_code == 0, text.output
    assert "zoho-id-value-123" not in text.output and "zoho-token-value-456" not in text.output
    assert "crm (default)" in text.output and "https://rest.zuora.com" in text.output
    assert "timezone not set (zoneless times read as UTC)" in text.output
    data = json.loads(run("profiles", "--json", config=config).stdout)
    crm = next(p for p in data["profiles"] if p["name"] == "crm")
    assert crm["secrets"] == {
        "client_id": "in the file",
        "refresh_token": "$ZOHO_TOKEN_FOR_TEST set",
    }
    prod = next(p for p in data["profiles"] if p["name"] == "zuora-prod")
    assert prod["secrets"]["client_secret"] == "$ZUORA_CLIENT_SECRET_NOT_SET_FOR_TEST not set"
    assert data["default_profile"] == "crm" and crm["default"]
    assert prod["timezone"] is None


def test_status_warns_when_a_zuora_profile_sets_no_timezone(
    run: Any, sandbox: Any, home: Path, caplog: Any
) -> None:
    config, _ = sandbox
    zoneless = home / "zoneless.toml"
    lines = config.read_text().splitlines()
    zoneless.write_text("\n".join(x for x in lines if not x.startswith("timezone")) + "\n")
    run("status", "zuora.mass_updater", "a" * 32, "-p", "zuora_bulk", config=zoneless)
    said = caplog.text  # the CLI shows warnings on stderr through logging
    assert "profile 'zuora_bulk' sets no `timezone`" in said and "read as UTC" in said
    caplog.clear()
    run("status", "zuora.mass_updater", "a" * 32, "-p", "zuora_bulk", config=config)
    assert "sets no `timezone`" not in caplog.text


def test_config_path_names_the_file(run: Any, home: Path) -> None:
    result = run("config", "path")
    assert result.exit_code == 0
    assert result.stdout.strip() == str(home / "xdg" / "jobadapter" / "config.toml")
    data = json.loads(run("config", "path", "--json").stdout)
    assert data == {"path": str(home / "xdg" / "jobadapter" / "config.toml"), "exists": False}


def test_default_profile_from_the_environment_or_the_config(
    run: Any, sandbox: Any, home: Path, monkeypatch: Any
) -> None:
    """Two profiles of one provider: without --profile the command needs a default."""
    config, _ = sandbox
    text = config.read_text()
    second = text.split("[profiles.zuora_custom_objects]")[1].split("[profiles.")[0]
    two = home / "two.toml"
    two.write_text(text + "\n[profiles.co-copy]" + second)
    args = ("status", "zuora.custom_object_job", "0" * 32)
    ambiguous = run(*args, config=two)
    assert ambiguous.exit_code == exits.USAGE and "several 'zuora' profiles" in ambiguous.output
    monkeypatch.setenv("JOBADAPTER_PROFILE", "co-copy")
    assert run(*args, config=two).exit_code == exits.PROVIDER  # reached the provider
    monkeypatch.delenv("JOBADAPTER_PROFILE")
    with_key = home / "with-key.toml"
    with_key.write_text('default_profile = "zuora_custom_objects"\n' + two.read_text())
    assert run(*args, config=with_key).exit_code == exits.PROVIDER
    monkeypatch.setenv("JOBADAPTER_PROFILE", "nope")
    unknown = run(*args, config=with_key)
    assert unknown.exit_code == exits.USAGE and "default profile 'nope'" in unknown.output


def test_plugins_says_which_adapters_need_a_timezone(run: Any) -> None:
    result = run("plugins")
    line = next(x for x in result.output.splitlines() if "zuora.mass_updater" in x)
    assert "set `timezone` in its profiles" in line
    rows = json.loads(run("plugins", "--json").stdout)
    zoneless = {name for row in rows for name in row["zoneless_times"]}
    assert zoneless == {"zuora.mass_updater"}
