"""OAuth credentials against a token endpoint on 127.0.0.1, with a fake clock."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from jobadapter.auth import ClientCredentials, Credentials, RefreshToken, StaticToken
from jobadapter.errors import AuthError, ProviderError, RateLimited, TransientError
from jobadapter.retry import RetryPolicy
from jobadapter.transport import Timeouts, Transport
from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WResponse

logging.getLogger("werkzeug").setLevel(logging.ERROR)

CLIENT_SECRET = "cs-very-secret-0001"
REFRESH = "1000.refresh.secret.0002"


class TokenServer:
    """Answers token requests from a script of (status, body) pairs; counts them."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answers: list[tuple[int, Any]] = []
        self.counter = 0
        self.delay = 0.0
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/oauth/token"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        response = self._handle(Request(environ))
        return response(environ, start_response)

    def _handle(self, request: Request) -> WResponse:
        with self._lock:
            self.counter += 1
            n = self.counter
            self.requests.append(
                {"form": parse_qs(request.get_data(as_text=True)), "headers": dict(request.headers)}
            )
            status, body = self.answers.pop(0) if self.answers else (200, None)
        if self.delay:
            time.sleep(self.delay)
        if body is None:
            body = {
                "access_token": f"tok-{n:04d}-abcdef",
                "token_type": "bearer",
                "expires_in": 3599,
            }
        text = body if isinstance(body, str) else json.dumps(body)
        return WResponse(text, status=status, mimetype="application/json")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def tokens() -> Iterator[TokenServer]:
    srv = TokenServer()
    yield srv
    srv.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def transport() -> Transport:
    return Transport(
        sleep=lambda _s: None,
        rng=random.Random(1),
        timeouts=Timeouts(connect=2, read=5),
        retry=RetryPolicy(max_attempts=2),
    )


def test_static_token() -> None:
    creds = StaticToken("static-abc-123")
    assert isinstance(creds, Credentials)
    assert creds.auth_headers(transport()) == {"Authorization": "Bearer static-abc-123"}
    assert StaticToken("k-1234", scheme="", header="X-Api-Key").auth_headers(transport()) == {
        "X-Api-Key": "k-1234"
    }
    assert creds.api_base is None and "static-abc-123" not in repr(creds)
    with pytest.raises(AuthError):
        StaticToken("a\r\nb")


def test_client_credentials_form_cache_and_early_refresh(tokens: TokenServer) -> None:
    clock = Clock()
    creds = ClientCredentials(tokens.url, "cid", CLIENT_SECRET, clock=clock, refresh_margin=300)
    t = transport()
    first = creds.auth_headers(t)
    assert first == {"Authorization": "Bearer tok-0001-abcdef"}
    sent = tokens.requests[0]
    assert sent["form"] == {
        "client_id": ["cid"],
        "client_secret": [CLIENT_SECRET],
        "grant_type": ["client_credentials"],
    }
    assert "Authorization" not in sent["headers"]
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"

    clock.now += 3599 - 301  # still outside the margin: cached
    assert creds.auth_headers(t) == first and tokens.counter == 1
    clock.now += 2  # now within 300 s of expiry: refreshed early
    assert creds.auth_headers(t) == {"Authorization": "Bearer tok-0002-abcdef"}
    assert tokens.counter == 2 and creds.api_base is None


def test_short_lived_token_is_not_refreshed_every_call(tokens: TokenServer) -> None:
    tokens.answers = [(200, {"access_token": "short-lived-1", "expires_in": 60})] * 2
    clock = Clock()
    creds = ClientCredentials(tokens.url, "cid", CLIENT_SECRET, clock=clock, refresh_margin=300)
    t = transport()
    for _ in range(5):
        creds.auth_headers(t)
    clock.now += 29
    creds.auth_headers(t)
    assert tokens.counter == 1
    clock.now += 2
    creds.auth_headers(t)
    assert tokens.counter == 2


def test_ten_threads_make_one_token_request(tokens: TokenServer) -> None:
    tokens.delay = 0.005
    creds = ClientCredentials(tokens.url, "cid", CLIENT_SECRET)
    t = transport()
    barrier = threading.Barrier(10)
    seen: list[dict[str, str]] = []

    def work() -> None:
        barrier.wait()
        seen.append(creds.auth_headers(t))

    threads = [threading.Thread(target=work) for _ in range(10)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert tokens.counter == 1
    assert seen == [{"Authorization": "Bearer tok-0001-abcdef"}] * 10


def test_invalidate_drops_only_the_token_that_failed(tokens: TokenServer) -> None:
    creds = ClientCredentials(tokens.url, "cid", CLIENT_SECRET)
    t = transport()
    old = creds.auth_headers(t)
    creds.invalidate(old)
    new = creds.auth_headers(t)
    assert new != old and tokens.counter == 2
    creds.invalidate(old)  # a late 401 for the old token must not throw the new one away
    assert creds.auth_headers(t) == new and tokens.counter == 2


def test_ten_threads_seeing_401_refresh_once(tokens: TokenServer) -> None:
    creds = ClientCredentials(tokens.url, "cid", CLIENT_SECRET)
    t = transport()
    used = creds.auth_headers(t)
    barrier = threading.Barrier(10)

    def on_401() -> None:
        barrier.wait()
        creds.invalidate(used)
        creds.auth_headers(t)

    threads = [threading.Thread(target=on_401) for _ in range(10)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert tokens.counter == 2  # the first token, then exactly one refresh
    creds.invalidate(used)
    before = tokens.counter
    creds.auth_headers(t)
    assert tokens.counter == before


def test_extra_form_fields(tokens: TokenServer) -> None:
    creds = ClientCredentials(
        tokens.url, "cid", CLIENT_SECRET, extra_form={"scope": "bulk", "grant_type": "x"}
    )
    creds.auth_headers(transport())
    form = tokens.requests[0]["form"]
    assert form["scope"] == ["bulk"] and form["grant_type"] == ["client_credentials"]


def test_refresh_token_flow_with_api_domain(tokens: TokenServer) -> None:
    tokens.answers = [
        (
            200,
            {
                "access_token": "1000.access.zoho.0001",
                "api_domain": "https://www.zohoapis.eu",
                "token_type": "Bearer",
                "expires_in": 3600,
            },
        )
    ]
    clock = Clock()
    creds = RefreshToken(
        tokens.url, "cid", CLIENT_SECRET, REFRESH, clock=clock, scheme="Zoho-oauthtoken"
    )
    assert creds.api_base is None
    assert creds.auth_headers(transport()) == {
        "Authorization": "Zoho-oauthtoken 1000.access.zoho.0001"
    }
    assert creds.api_base == "https://www.zohoapis.eu"
    assert tokens.requests[0]["form"] == {
        "refresh_token": [REFRESH],
        "client_id": ["cid"],
        "client_secret": [CLIENT_SECRET],
        "grant_type": ["refresh_token"],
    }
    clock.now += 3600 - 301
    creds.auth_headers(transport())
    assert tokens.counter == 1


@pytest.mark.parametrize(
    ("answer", "lifetime"),
    [
        ({"expires_in": 3600}, 3600),
        ({"expires_in": 3600000, "expires_in_sec": 3600}, 3600),  # expires_in in ms
        ({"expires_in": "1800"}, 1800),
        ({}, 3600),
    ],
)
def test_refresh_token_lifetime_variants(
    tokens: TokenServer, answer: dict[str, Any], lifetime: int
) -> None:
    tokens.answers = [(200, {"access_token": "zoho-tok-1", **answer})]
    clock = Clock()
    creds = RefreshToken(tokens.url, "cid", CLIENT_SECRET, REFRESH, clock=clock, refresh_margin=300)
    t = transport()
    creds.auth_headers(t)
    clock.now += lifetime - 301
    creds.auth_headers(t)
    assert tokens.counter == 1
    clock.now += 2
    creds.auth_headers(t)
    assert tokens.counter == 2


@pytest.mark.parametrize(
    ("status", "body", "expected", "says"),
    [
        (200, {"error": "invalid_code"}, AuthError, "refresh token"),
        (200, {"token_type": "Bearer"}, AuthError, "no usable access_token"),
        (200, "<html>login</html>", AuthError, "did not answer JSON"),
        (200, "[1, 2]", AuthError, "not a JSON object"),
        (400, {"error": "invalid_client"}, AuthError, "invalid_client"),
        (401, "nope", AuthError, "HTTP 401"),
        (429, {"error": "Access Denied"}, RateLimited, "rate limited"),
        (500, "boom", TransientError, "try again later"),
    ],
)
def test_token_failures_are_typed(
    tokens: TokenServer, status: int, body: Any, expected: type[ProviderError], says: str
) -> None:
    tokens.answers = [(status, body)] * 3
    creds = RefreshToken(tokens.url, "cid", CLIENT_SECRET, REFRESH)
    with pytest.raises(expected, match=says) as info:
        creds.auth_headers(transport())
    assert type(info.value) is expected
    assert info.value.status == status
    for secret in (CLIENT_SECRET, REFRESH):
        assert secret not in str(info.value) and secret not in repr(info.value)


def test_token_429_carries_retry_after(tokens: TokenServer) -> None:
    tokens.answers = [(429, {"error": "too many"})] * 5
    creds = ClientCredentials(tokens.url, "cid", CLIENT_SECRET)
    t = Transport(sleep=lambda _s: None, retry=RetryPolicy(max_attempts=1))
    with pytest.raises(RateLimited) as info:
        creds.auth_headers(t)
    assert info.value.retry_after is None and tokens.counter == 1


def test_token_post_is_retried_on_503(tokens: TokenServer) -> None:
    tokens.answers = [(503, "busy")]
    creds = ClientCredentials(tokens.url, "cid", CLIENT_SECRET)
    assert creds.auth_headers(transport()) == {"Authorization": "Bearer tok-0002-abcdef"}


def test_no_secret_in_repr_str_or_debug_logs(
    tokens: TokenServer, caplog: pytest.LogCaptureFixture
) -> None:
    tokens.answers = [
        (200, {"access_token": "access-token-xyz-9", "api_domain": "https://www.zohoapis.com"})
    ]
    creds = RefreshToken(tokens.url, "cid", CLIENT_SECRET, REFRESH)
    with caplog.at_level(logging.DEBUG, logger="jobadapter"):
        headers = creds.auth_headers(transport())
        creds.invalidate(headers)
        tokens.answers = [(200, {"error": "invalid_code"})]
        with pytest.raises(AuthError) as info:
            creds.auth_headers(transport())
    assert caplog.records  # the token requests were logged...
    for secret in (CLIENT_SECRET, REFRESH, "access-token-xyz-9"):
        assert secret not in caplog.text  # ...without a secret
        assert secret not in repr(creds) and secret not in str(creds)
        assert secret not in str(info.value) and secret not in repr(info.value)
    assert "cid" not in repr(creds)  # client ids are masked like the other credentials


class CountingShare:
    """A TokenShare in memory that counts how often it is read."""

    def __init__(self) -> None:
        self.reads = 0
        self.token: tuple[str, float, str | None] | None = None

    def read(self) -> tuple[str, float, str | None] | None:
        self.reads += 1
        return self.token

    def refresh(self, fetch: Any) -> tuple[str, float, str | None]:
        self.token = self.token or fetch()
        return self.token

    def drop(self, header: str) -> None:
        self.token = None


def test_sharing_the_same_share_again_keeps_the_cached_token(tokens: TokenServer) -> None:
    # A fleet worker hands the share over on every poll: that must not cost a read
    # of the shared cache (a database round trip) per poll.
    creds = ClientCredentials(tokens.url, "cid", CLIENT_SECRET)
    share = CountingShare()
    creds.share_tokens(share)
    first = creds.auth_headers(transport())
    for _ in range(3):
        creds.share_tokens(share)
        assert creds.auth_headers(transport()) == first
    assert (share.reads, tokens.counter) == (1, 1)
    creds.share_tokens(CountingShare())  # another share (a rotated key): read it afresh
    creds.auth_headers(transport())
    assert tokens.counter == 2
