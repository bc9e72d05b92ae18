"""Profiles from TOML: keys, *_env secrets and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobadapter import ConfigError
from jobadapter.config import load_config, parse_config

GOOD = """
[profiles.zuora-prod]
provider = "zuora"
base_url = "https://rest.zuora.com"
client_id = "my-client-id-value"
client_secret_env = "ZUORA_SECRET_FOR_TEST"
timezone = "America/Los_Angeles"
headers = { "Zuora-Entity-Ids" = "abc" }
verify_tls = true
timeout = 30
entity_ids = "abc"
"""


def test_profile_keys_and_env_secret() -> None:
    profiles = parse_config(
        GOOD, source="cfg.toml", environ={"ZUORA_SECRET_FOR_TEST": "s3cr3t-value-123"}
    )
    prof = profiles["zuora-prod"]
    assert prof.provider == "zuora" and prof.base_url == "https://rest.zuora.com"
    assert prof.secret("client_secret") == "s3cr3t-value-123"
    assert prof.timeout == 30.0 and prof.headers == {"Zuora-Entity-Ids": "abc"}
    assert prof.options == {"entity_ids": "abc"}
    assert "s3cr3t" not in repr(prof) and "my-client-id-value" not in repr(prof)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[profiles.p]\nbase_url='https://x'\n", "key 'provider'"),
        ("[profiles.p]\nprovider='zuora'\ntimeout='fast'\n", "key 'timeout'"),
        ("[profiles.p]\nprovider='zuora'\ntimezone='Mars/Base'\n", "key 'timezone'"),
        ("[profiles.p]\nprovider='zuora'\nbase_url='ftp://x'\n", "key 'base_url'"),
        ("[profiles.p]\nprovider='zuora'\ntoken='a'\ntoken_env='B'\n", "given twice"),
        ('[profiles.p]\nprovider="zuora"\nheaders={a="b\\nc"}\n', "line break"),
        ("profiles = 3\n", "'profiles' must be a table"),
        ("[profiles.p\n", "not valid TOML"),
    ],
)
def test_errors_name_file_profile_and_key(text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="/etc/ja.toml", environ={})
    message = str(info.value)
    assert "/etc/ja.toml" in message and needle in message
    assert "\n" not in message


def test_unset_secret_variable_fails_only_the_profile_that_uses_it() -> None:
    """One profile's unset variable must not block every other profile."""
    text = (
        "[profiles.zuora-prod]\nprovider='zuora'\nclient_secret_env='NOPE_NOT_SET'\n"
        "[profiles.crm]\nprovider='zoho'\nrefresh_token_env='ZOHO_SET'\n"
    )
    profiles = parse_config(text, source="/etc/ja.toml", environ={"ZOHO_SET": "tok-123456"})
    assert profiles["crm"].secret("refresh_token") == "tok-123456"
    assert profiles["crm"].secret_state("refresh_token") == "$ZOHO_SET set"
    assert profiles["zuora-prod"].secret_state("client_secret") == "$NOPE_NOT_SET not set"
    with pytest.raises(ConfigError) as info:
        profiles["zuora-prod"].require_secret("client_secret")
    message = str(info.value)
    assert "/etc/ja.toml" in message and "'zuora-prod'" in message
    assert "key 'client_secret_env' names $NOPE_NOT_SET, which is not set" in message


def test_load_from_env_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[profiles.a]\nprovider='generic'\ntoken='tok-123456'\n")
    monkeypatch.setenv("JOBADAPTER_CONFIG", str(cfg))
    assert set(load_config()) == {"a"}


def test_missing_default_file_means_no_profiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JOBADAPTER_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_config() == {}


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "none.toml")
