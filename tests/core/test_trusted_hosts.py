"""Credentials to the hosts a provider declares (uploads to a content host), and the
declared rule for when a create is sent again (issue #16's core items)."""

from __future__ import annotations

import io
import random
from collections.abc import Collection, Iterator, Mapping
from typing import Any, ClassVar

import pytest
from jobadapter.config import Profile
from jobadapter.connection import Connection
from jobadapter.errors import AuthError, ConfigError, InvalidRequest, RateLimited, TransientError
from jobadapter.provider import Provider
from jobadapter.transport import Timeouts, Transport
from scriptserver import Server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WResponse


class RotatingToken:
    """Credentials whose token changes on every refresh (``tok-1``, ``tok-2``...)."""

    def __init__(self) -> None:
        self.number = 1

    def auth_headers(self, transport: Transport) -> dict[str, str]:
        return {"Authorization": f"Bearer tok-{self.number}"}

    def invalidate(self, used: Mapping[str, str]) -> None:
        self.number += 1

    @property
    def api_base(self) -> str | None:
        return None


class ContentHostProvider(Provider):
    """A provider whose uploads go to a second host it declares."""

    name: ClassVar[str] = "content"

    def __init__(self, base: str, trusted: Collection[str] = ()) -> None:
        self.base = base
        self.trusted = trusted

    def base_url(self, profile: Profile, credentials: Any) -> str:
        return self.base

    def trusted_hosts(self, profile: Profile) -> Collection[str]:
        return self.trusted

    def default_headers(self, profile: Profile) -> dict[str, str]:
        return {"Accept": "application/json", "X-Tenant-Entity": "entity-7"}


class RefusalsSafeProvider(ContentHostProvider):
    refusals_create_nothing: ClassVar[bool] = True


@pytest.fixture
def api() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def content() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def elsewhere() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


def make_transport() -> Transport:
    return Transport(
        sleep=lambda _s: None, rng=random.Random(3), timeouts=Timeouts(connect=2, read=5)
    )


def connect(provider: Provider) -> Connection:
    profile = Profile(name="p", provider=provider.name, base_url="http://unused")
    return Connection(
        profile=profile,
        provider=provider,
        transport=make_transport(),
        credentials=RotatingToken(),  # type: ignore[arg-type]
    )


def bearer_or_401(request: Request) -> WResponse:
    if request.headers.get("Authorization") == "Bearer tok-2":
        return WResponse('{"ok": true}', mimetype="application/json")
    return WResponse('{"error": "expired"}', status=401, mimetype="application/json")


# -- trusted hosts ---------------------------------------------------------------------


def test_credentials_go_to_a_declared_host_with_the_same_refresh_on_401(
    api: Server, content: Server
) -> None:
    conn = connect(ContentHostProvider(api.url, trusted=[content.url]))
    content.default = bearer_or_401
    response = conn.request("POST", content.url + "/upload", body=b"zip", retry_unsafe=True)
    assert response.ok
    tokens = [r["headers"].get("Authorization") for r in content.requests]
    assert tokens == ["Bearer tok-1", "Bearer tok-2"]


def test_a_bare_host_name_means_https_on_443() -> None:
    conn = connect(ContentHostProvider("https://www.zohoapis.eu", ["content.zohoapis.eu"]))
    assert conn.may_receive_credentials("https://content.zohoapis.eu/crm/v8/upload")
    assert not conn.may_receive_credentials("http://content.zohoapis.eu/crm/v8/upload")
    assert not conn.may_receive_credentials("https://content.zohoapis.com/crm/v8/upload")


def test_an_undeclared_host_is_still_refused(api: Server, content: Server) -> None:
    conn = connect(ContentHostProvider(api.url, trusted=[content.url]))
    with pytest.raises(InvalidRequest, match="trusted_hosts"):
        conn.request("POST", "http://127.0.0.2:9/upload", body=b"zip")
    with pytest.raises(InvalidRequest, match="another host"):
        conn.download("http://127.0.0.2:9/file", io.BytesIO(), authenticated=True)


def test_a_bad_declaration_is_a_config_error(api: Server) -> None:
    conn = connect(ContentHostProvider(api.url, trusted=["ftp://files.example.com"]))
    with pytest.raises(ConfigError, match="trusted_hosts"):
        conn.request("GET", "http://127.0.0.2:9/x")


def test_credentials_follow_a_redirect_only_to_a_declared_host(
    api: Server, content: Server, elsewhere: Server
) -> None:
    conn = connect(ContentHostProvider(api.url, trusted=[content.url]))
    api.script = [
        WResponse("", status=307, headers={"Location": content.url + "/up"}),
        WResponse("", status=307, headers={"Location": elsewhere.url + "/up"}),
    ]
    conn.request("GET", "/a")
    conn.request("GET", "/b")
    assert content.requests[0]["headers"].get("Authorization") == "Bearer tok-1"
    assert "Authorization" not in elsewhere.requests[0]["headers"]


def test_without_a_declaration_a_redirect_to_another_host_drops_credentials(
    api: Server, content: Server
) -> None:
    conn = connect(ContentHostProvider(api.url))
    api.script = [WResponse("", status=307, headers={"Location": content.url + "/up"})]
    conn.request("GET", "/a")
    assert "Authorization" not in content.requests[0]["headers"]


# -- downloads carry the provider's headers (issue #12) --------------------------------


def test_a_download_carries_the_providers_headers_and_credentials(api: Server) -> None:
    conn = connect(ContentHostProvider(api.url))
    api.default = WResponse(b"a,b\n1,2\n")
    dest = io.BytesIO()
    conn.download("/v1/files/1", dest)
    sent = api.requests[0]["headers"]
    assert sent["X-Tenant-Entity"] == "entity-7"
    assert sent["Authorization"] == "Bearer tok-1"
    assert sent.get("Accept") != "application/json"  # a file, not an API answer
    assert dest.getvalue() == b"a,b\n1,2\n"


def test_a_download_on_a_declared_host_refreshes_once_on_401(api: Server, content: Server) -> None:
    conn = connect(ContentHostProvider(api.url, trusted=[content.url]))
    content.script = [WResponse("no", status=401), WResponse(b"rows")]
    dest = io.BytesIO()
    assert conn.download(content.url + "/file", dest) == 4
    assert [r["headers"]["Authorization"] for r in content.requests] == [
        "Bearer tok-1",
        "Bearer tok-2",
    ]
    assert dest.getvalue() == b"rows"


def test_a_download_gives_up_after_one_refresh(api: Server) -> None:
    conn = connect(ContentHostProvider(api.url))
    api.default = WResponse("no", status=401)
    with pytest.raises(AuthError):
        conn.download("/file", io.BytesIO())
    assert len(api.requests) == 2


def test_a_presigned_download_sends_neither_credentials_nor_provider_headers(
    api: Server, elsewhere: Server
) -> None:
    conn = connect(ContentHostProvider(api.url))
    elsewhere.default = WResponse(b"x")
    conn.download(elsewhere.url + "/signed?sig=1", io.BytesIO())
    sent = elsewhere.requests[0]["headers"]
    assert "Authorization" not in sent and "X-Tenant-Entity" not in sent


# -- when a create is sent again -------------------------------------------------------


def refused(status: int, **headers: str) -> WResponse:
    return WResponse('{"error": "later"}', status=status, headers=headers)


@pytest.mark.parametrize(
    ("answer", "retried"),
    [
        (refused(429), True),
        (refused(503, **{"Retry-After": "1"}), True),
        (refused(503), False),  # no Retry-After: the server may have started the work
        (refused(500), False),
        (refused(502), False),
    ],
)
def test_a_create_refused_before_processing_is_sent_again_where_documented(
    api: Server, answer: WResponse, retried: bool
) -> None:
    conn = connect(RefusalsSafeProvider(api.url))
    api.script = [answer]
    api.default = WResponse('{"id": "J1"}', mimetype="application/json")
    response = conn.request("POST", "/jobs", json={"a": 1}, check=False)
    assert len(api.requests) == (2 if retried else 1)
    assert response.ok is retried


def test_a_provider_that_documents_nothing_never_gets_a_create_repeated(api: Server) -> None:
    conn = connect(ContentHostProvider(api.url))
    api.script = [refused(429)]
    with pytest.raises(RateLimited):
        conn.request("POST", "/jobs", json={"a": 1})
    assert len(api.requests) == 1


def test_refused_creates_still_give_up_within_the_retry_budget(api: Server) -> None:
    conn = connect(RefusalsSafeProvider(api.url))
    api.default = refused(429)
    with pytest.raises(RateLimited):
        conn.request("POST", "/jobs", json={"a": 1})
    assert len(api.requests) == conn.transport.retry.max_attempts


def test_the_transport_alone_never_repeats_a_post_on_an_answer(api: Server) -> None:
    api.script = [refused(429)]
    response = make_transport().request("POST", api.url + "/jobs", body=b"x")
    assert response.status == 429 and len(api.requests) == 1
    with pytest.raises(TransientError):
        make_transport().request("POST", "http://127.0.0.1:1/jobs", body=b"x")


def test_credentials_follow_the_api_root_as_it_is_now() -> None:
    """Where credentials may follow a redirect is kept per API root: a root that
    changes (Zoho's comes from the token answer) is the one allowed next."""
    provider = ContentHostProvider("https://api-a.example:8443/v1", ["content.example"])
    conn = connect(provider)
    first = conn._credential_origins()
    assert first == {"https://content.example:443", "https://api-a.example:8443"}
    assert conn._credential_origins() is first  # the same root: not worked out again
    provider.base = "https://api-b.example/v2"
    assert conn._credential_origins() == {
        "https://content.example:443",
        "https://api-b.example:443",
    }
