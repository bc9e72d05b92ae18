"""The API root from the token answer: a declared key, for either grant; ``Bearer``
is the core's default scheme and the Zoho provider says ``Zoho-oauthtoken``."""

from __future__ import annotations

import json
from typing import Any

from jobadapter.auth import ClientCredentials, RefreshToken
from jobadapter.config import profile_from_mapping
from jobadapter.transport import Response
from jobadapter_zoho_common import ZohoProvider


class AnswerOnce:
    """A transport whose token endpoint answers ``answer``."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    def request(self, method: str, url: str, **_: Any) -> Response:
        return Response(
            status=200,
            headers={"Content-Type": "application/json"},
            data=json.dumps(self.answer).encode(),
            method=method,
            url=url,
        )


TOKEN = {"access_token": "tok-123", "expires_in": 3600, "token_type": "Bearer"}
URL = "https://login.example.com/oauth/token"


def test_refresh_token_defaults_to_bearer() -> None:
    creds = RefreshToken(URL, "cid", "secret-1", "refresh-1")
    headers = creds.auth_headers(AnswerOnce(TOKEN))  # type: ignore[arg-type]
    assert headers == {"Authorization": "Bearer tok-123"}


def test_the_zoho_provider_says_zoho_oauthtoken() -> None:
    profile = profile_from_mapping(
        "z",
        {"provider": "zoho", "client_id": "c", "client_secret": "s", "refresh_token": "r"},
    )
    creds = ZohoProvider().credentials(profile)
    answer = {**TOKEN, "api_domain": "https://www.zohoapis.eu"}
    assert creds.auth_headers(AnswerOnce(answer)) == {"Authorization": "Zoho-oauthtoken tok-123"}  # type: ignore[arg-type]
    assert creds.api_base == "https://www.zohoapis.eu"


def test_client_credentials_learn_the_root_under_a_declared_key() -> None:
    creds = ClientCredentials(URL, "cid", "secret-2", api_base_key="instance_url")
    creds.auth_headers(AnswerOnce({**TOKEN, "instance_url": "https://acme.my.example.com/"}))  # type: ignore[arg-type]
    assert creds.api_base == "https://acme.my.example.com"


def test_refresh_token_reads_the_key_it_is_given() -> None:
    creds = RefreshToken(URL, "cid", "secret-3", "refresh-3", api_base_key="instance_url")
    answer = {**TOKEN, "instance_url": "https://eu.example.com", "api_domain": "https://no"}
    creds.auth_headers(AnswerOnce(answer))  # type: ignore[arg-type]
    assert creds.api_base == "https://eu.example.com"


def test_no_key_learns_nothing_and_a_bad_root_is_ignored() -> None:
    plain = ClientCredentials(URL, "cid", "secret-4")
    plain.auth_headers(AnswerOnce({**TOKEN, "api_domain": "https://x.example.com"}))  # type: ignore[arg-type]
    assert plain.api_base is None
    bad = RefreshToken(URL, "cid", "secret-5", "refresh-5")
    bad.auth_headers(AnswerOnce({**TOKEN, "api_domain": "ftp://nowhere"}))  # type: ignore[arg-type]
    assert bad.api_base is None


def test_remember_is_public_for_answers_of_another_shape() -> None:
    class Nested(ClientCredentials):
        def remember(self, answer: Any) -> None:
            self.api_base_key = "url"
            super().remember(answer.get("instance", {}))

    creds = Nested(URL, "cid", "secret-6")
    creds.auth_headers(AnswerOnce({**TOKEN, "instance": {"url": "https://n.example.com"}}))  # type: ignore[arg-type]
    assert creds.api_base == "https://n.example.com"
