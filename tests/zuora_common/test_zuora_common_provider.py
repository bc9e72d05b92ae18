"""The zuora provider: credentials, base URLs and the Zuora headers from profile options."""

from __future__ import annotations

import pytest
from jobadapter import Hub
from jobadapter.auth import ClientCredentials
from jobadapter.config import profile_from_mapping
from jobadapter.errors import ConfigError
from jobadapter_zuora_common.headers import check_track_id, headers_from_options
from jobadapter_zuora_common.provider import ZuoraProvider

BASE = {"provider": "zuora", "client_id": "cid-0001", "client_secret": "csecret-0001"}


def test_credentials_use_base_url_token_endpoint() -> None:
    profile = profile_from_mapping("z", {**BASE, "base_url": "https://rest.test.zuora.com/"})
    creds = ZuoraProvider().credentials(profile)
    assert isinstance(creds, ClientCredentials)
    assert creds.token_url == "https://rest.test.zuora.com/oauth/token"
    assert "csecret-0001" not in repr(creds)


def test_token_url_wins_when_given() -> None:
    profile = profile_from_mapping(
        "z",
        {
            **BASE,
            "base_url": "https://rest.zuora.com",
            "token_url": "http://127.0.0.1:9/oauth/token",
        },
    )
    creds = ZuoraProvider().credentials(profile)
    assert isinstance(creds, ClientCredentials)
    assert creds.token_url == "http://127.0.0.1:9/oauth/token"


def test_missing_base_url_or_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="base_url"):
        ZuoraProvider().credentials(profile_from_mapping("z", BASE))
    no_secret = profile_from_mapping(
        "z", {"provider": "zuora", "base_url": "https://rest.zuora.com", "client_id": "c"}
    )
    with pytest.raises(ConfigError, match="client_secret"):
        ZuoraProvider().credentials(no_secret)


def test_default_headers_from_options() -> None:
    profile = profile_from_mapping(
        "z",
        {
            **BASE,
            "base_url": "https://rest.zuora.com",
            "track_id": "nightly-sync-42",
            "entity_ids": "e1",
            "org_ids": ["o1", " o2 "],
            "zuora_version": 211.0,
        },
    )
    headers = ZuoraProvider().default_headers(profile)
    assert headers == {
        "Accept": "application/json",
        "Zuora-Track-Id": "nightly-sync-42",
        "Zuora-Entity-Ids": "e1",
        "Zuora-Org-Ids": "o1,o2",
        "Zuora-Version": "211.0",
    }


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("x" * 65, "at most 64"),
        ("café", "US-ASCII"),
        ("a:b", "must not contain"),
        ("a;b", "must not contain"),
        ('a"b', "must not contain"),
        ("a'b", "must not contain"),
        ("tab\there", "US-ASCII"),
        ("", "non-empty"),
    ],
)
def test_track_id_rules(value: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why):
        check_track_id(value)


def test_track_id_limits_that_pass() -> None:
    assert check_track_id("x" * 64) == "x" * 64
    assert check_track_id("job-2024.01_a/b") == "job-2024.01_a/b"


def test_track_id_in_profile_headers_is_checked_too() -> None:
    profile = profile_from_mapping(
        "z", {**BASE, "base_url": "https://rest.zuora.com", "headers": {"zuora-track-id": "a:b"}}
    )
    with pytest.raises(ConfigError, match="must not contain"):
        ZuoraProvider().default_headers(profile)


@pytest.mark.parametrize(
    "options",
    [
        {"org_ids": 5},
        {"org_ids": ""},
        {"entity_ids": [1]},
        {"zuora_version": True},
        {"zuora_version": ""},
    ],
)
def test_bad_header_options(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        headers_from_options(options)


def test_provider_registered_by_entry_point() -> None:
    with Hub(load_entrypoints=True, profiles=[]) as hub:
        assert isinstance(hub.provider("zuora"), ZuoraProvider)
        names = {info.name for info in hub.plugin_infos()}
        assert "zuora_common" in names
