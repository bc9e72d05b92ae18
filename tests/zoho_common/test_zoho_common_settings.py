"""Profiles: data centres, environments, explicit URLs, API version, default module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from jobadapter.auth import RefreshToken
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.errors import ConfigError, InvalidRequest
from jobadapter.transport import Transport
from jobadapter_zoho_common import DATA_CENTRES, ZohoProvider, zoho_settings
from jobadapter_zoho_common.provider import token_url
from jobadapter_zoho_common.settings import check_api_version, check_module

SECRETS = {
    "client_id": "cid-1234",
    "client_secret": "not-a-real-secret",
    "refresh_token": "rt-abcd",
}


def make(**keys: Any) -> Profile:
    return profile_from_mapping("z", {"provider": "zoho", **SECRETS, **keys})


class _Creds:
    """Credentials whose token answer named ``api_base`` (None: named no API domain)."""

    def __init__(self, api_base: str | None) -> None:
        self._api_base = api_base

    @property
    def api_base(self) -> str | None:
        return self._api_base

    def auth_headers(self, transport: Transport) -> dict[str, str]:
        return {}

    def invalidate(self, used: Mapping[str, str]) -> None:
        return None


# Accounts server and API domain per data centre, as FACTS.md lists them.
EXPECTED = {
    "us": ("https://accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("https://accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("https://accounts.zoho.in", "https://www.zohoapis.in"),
    "au": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("https://accounts.zoho.jp", "https://www.zohoapis.jp"),
    "cn": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
    "ca": ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "sa": ("https://accounts.zoho.sa", "https://www.zohoapis.sa"),
}


def test_every_data_centre_is_known() -> None:
    assert set(DATA_CENTRES) == set(EXPECTED)


@pytest.mark.parametrize("centre", sorted(EXPECTED))
def test_data_centre_gives_token_url_and_api_domain(centre: str) -> None:
    accounts, api = EXPECTED[centre]
    profile = make(data_centre=centre.upper())
    assert token_url(profile) == f"{accounts}/oauth/v2/token"
    provider = ZohoProvider()
    assert provider.base_url(profile, _Creds(None)) == api
    creds = provider.credentials(profile)
    assert isinstance(creds, RefreshToken)
    assert creds.token_url == f"{accounts}/oauth/v2/token"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("production", "https://www.zohoapis.eu"),
        ("sandbox", "https://sandbox.zohoapis.eu"),
        ("developer", "https://developer.zohoapis.eu"),
    ],
)
def test_environment_swaps_www_in_the_api_domain(environment: str, expected: str) -> None:
    profile = make(data_centre="eu", environment=environment)
    provider = ZohoProvider()
    assert provider.base_url(profile, _Creds(None)) == expected
    # the token answer's api_domain wins over the data centre, with the same swap
    answer_domain = "https://www.zohoapis.eu/"
    assert provider.base_url(profile, _Creds(answer_domain)) == expected
    # the accounts server is the same for every environment
    assert token_url(profile) == "https://accounts.zoho.eu/oauth/v2/token"


def test_default_is_us_production_v8() -> None:
    settings = zoho_settings(make())
    assert (settings.data_centre, settings.environment, settings.api_version) == (
        "us",
        "production",
        "v8",
    )
    assert settings.module is None


def test_explicit_urls_win() -> None:
    profile = make(
        data_centre="eu",
        accounts_url="https://accounts.example.test/",
        base_url="https://crm.example.test/",
    )
    assert token_url(profile) == "https://accounts.example.test/oauth/v2/token"
    assert (
        ZohoProvider().base_url(profile, _Creds("https://www.zohoapis.eu"))
        == "https://crm.example.test"
    )
    explicit = make(token_url="https://tokens.example.test/t", accounts_url="https://ignored.test")
    assert token_url(explicit) == "https://tokens.example.test/t"


def test_api_domain_without_www_is_kept_for_sandbox() -> None:
    profile = make(environment="sandbox")
    assert (
        ZohoProvider().base_url(profile, _Creds("http://127.0.0.1:8080")) == "http://127.0.0.1:8080"
    )


def test_data_center_spelling_is_accepted() -> None:
    assert zoho_settings(make(data_center="jp")).data_centre == "jp"
    with pytest.raises(ConfigError, match="not both"):
        zoho_settings(make(data_center="jp", data_centre="eu"))


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            {"data_centre": "mars"},
            "data_centre 'mars' is not one of us, eu, in, au, jp, cn, ca, sa",
        ),
        ({"data_centre": 3}, "data_centre 3"),
        ({"environment": "staging"}, "environment 'staging'"),
        ({"api_version": "v1"}, "api_version 'v1'"),
        ({"api_version": "8"}, "api_version '8'"),
        ({"api_version": "latest"}, "api_version 'latest'"),
        ({"api_version": True}, "api_version True"),
        ({"module": "Sales Orders"}, "not a Zoho module API name"),
    ],
)
def test_bad_settings_are_config_errors(keys: dict[str, Any], message: str) -> None:
    profile = make(**keys)
    with pytest.raises(ConfigError) as caught:
        zoho_settings(profile)
    assert message in str(caught.value)
    assert "profile 'z'" in str(caught.value)
    with pytest.raises(ConfigError):
        ZohoProvider().credentials(profile)  # before any request


@pytest.mark.parametrize(
    ("value", "expected"), [("v2", "v2"), ("v2.1", "v2.1"), ("v8", "v8"), ("v9", "v9"), (7, "v7")]
)
def test_api_versions_accepted(value: Any, expected: str) -> None:
    assert check_api_version(value) == expected
    assert zoho_settings(make(api_version=value)).api_version == expected


@pytest.mark.parametrize("name", ["Leads", "Sales_Orders", "CustomModule1", "a"])
def test_module_names_accepted(name: str) -> None:
    assert check_module(name) == name


@pytest.mark.parametrize(
    "name", ["", "1Leads", "_Leads", "Le ads", "Leads/..", "Leads:1", "Léads", None, 5, "x" * 101]
)
def test_module_names_refused(name: Any) -> None:
    with pytest.raises(InvalidRequest, match="module API name"):
        check_module(name)


@pytest.mark.parametrize("missing", ["client_id", "client_secret", "refresh_token"])
def test_missing_credentials_name_the_key(missing: str) -> None:
    keys = {k: v for k, v in SECRETS.items() if k != missing}
    profile = profile_from_mapping("z", {"provider": "zoho", **keys})
    with pytest.raises(ConfigError, match=missing):
        ZohoProvider().credentials(profile)


def test_credentials_from_environment_never_show() -> None:
    env = {"ZC": "cid-from-env", "ZS": "secret-from-env-123", "ZR": "refresh-from-env-456"}
    profile = profile_from_mapping(
        "z",
        {
            "provider": "zoho",
            "client_id_env": "ZC",
            "client_secret_env": "ZS",
            "refresh_token_env": "ZR",
        },
        environ=env,
    )
    creds = ZohoProvider().credentials(profile)
    assert "secret-from-env-123" not in repr(creds) and "refresh-from-env-456" not in repr(creds)
    assert "secret-from-env-123" not in repr(profile)
