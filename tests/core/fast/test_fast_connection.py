"""Remembered connection checks and profile settings are made again when their inputs change."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from jobadapter.config import Profile, ProfileMemo
from jobadapter.connection import Connection
from jobadapter.errors import InvalidRequest
from jobadapter.provider import Provider
from jobadapter.transport import Transport

# -- the connection ------------------------------------------------------------------


class FixedProvider(Provider):
    name = "fixed"

    def __init__(self, base: str) -> None:
        self.base = base

    def base_url(self, profile: Profile, credentials: Any) -> str:
        return self.base


def connection(base: str, transport: Transport) -> Connection:
    profile = Profile(name="p", provider="fixed", base_url=base, secrets={"token": "tok-1234"})
    return Connection(profile=profile, provider=FixedProvider(base), transport=transport)


def test_credentials_never_go_to_another_host(transport: Transport) -> None:
    conn = connection("http://127.0.0.1:9", transport)
    with pytest.raises(InvalidRequest, match="another host"):
        conn.request("GET", "http://127.0.0.2:9/x")
    with pytest.raises(InvalidRequest, match="relative path"):
        conn.request("GET", "//127.0.0.2:9/x")


def test_an_api_root_without_an_origin_is_refused(transport: Transport) -> None:
    with pytest.raises(InvalidRequest, match="another host"):
        connection("http://:9/api", transport).request("GET", "/x")


def test_a_new_api_root_is_checked_again(transport: Transport) -> None:
    conn = connection("http://127.0.0.1:9", transport)
    with pytest.raises(Exception, match="127.0.0.1:9"):  # the checked root: sent (no server)
        conn.request("GET", "/x")
    conn.provider = FixedProvider("http://:9")
    with pytest.raises(InvalidRequest, match="another host"):
        conn.request("GET", "/x")


# -- Zoho settings, read again when the options change ---------------------------


def test_zoho_settings_follow_the_profile_options() -> None:
    from jobadapter_zoho_mass_update.mass_update import MassUpdateAdapter

    adapter = MassUpdateAdapter()
    options: dict[str, Any] = {"api_version": "v8", "module": "Leads"}
    profile = Profile(name="z", provider="zoho", options=options)
    assert adapter.settings(profile).module == "Leads"
    options["module"] = "Contacts"  # edited in place
    assert adapter.settings(profile).module == "Contacts"
    other = attrs.evolve(profile, options={"api_version": "v7", "module": "Deals"})
    assert adapter.settings(other).api_version == "v7"
    listed: dict[str, Any] = {"api_version": "v8", "module": "Leads", "extra": ["a"]}
    nested = Profile(name="n", provider="zoho", options=listed)
    assert adapter.settings(nested).module == "Leads"


def test_a_profile_memo_is_made_again_whenever_a_setting_changes() -> None:
    options: dict[str, Any] = {"v": 1}
    headers: dict[str, str] = {"X-Team": "a"}
    profile = Profile(name="p", provider="fixed", options=options, headers=headers)
    made: list[Any] = []

    def make(p: Profile) -> Any:
        made.append(dict(p.options))
        return len(made)

    memo: ProfileMemo[int] = ProfileMemo()
    assert memo.get(profile, make) == memo.get(profile, make) == 1
    for value in (1.0, True, "1", None, 1):  # equal to 1 or not, a different setting
        options["v"] = value
        assert memo.get(profile, make) == len(made)
    assert len(made) == 6
    headers["X-Team"] = "b"
    assert memo.get(profile, make) == 7
    assert memo.get(attrs.evolve(profile), make) == 8  # another profile
    options["list"] = ["a"]  # could change inside an equal copy: never remembered
    memo.get(profile, make)
    memo.get(profile, make)
    assert len(made) == 10

    def edit_while_making(p: Profile) -> Any:
        options["v"] = 2  # the value made is for the settings read before this edit
        return make(p)

    del options["list"]
    memo.get(profile, edit_while_making)
    assert memo.get(profile, make) == 12 and made[-1]["v"] == 2
