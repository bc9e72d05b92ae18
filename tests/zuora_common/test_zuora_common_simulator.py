"""The shared simulator base over HTTP: tokens, bearer checks, headers, limits, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
import urllib3
from jobadapter.connection import Connection
from jobadapter.errors import AuthError, InvalidRequest, RateLimited
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import Faults, SandboxServer, SimClock
from jobadapter.transport import Transport
from jobadapter_zuora_common.simulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, TOKEN_LIFETIME
from zuora_common_support import EchoSimulator, Sleeper


def post_token(url: str, **form: str) -> urllib3.BaseHTTPResponse:
    return urllib3.PoolManager().request(
        "POST", url + "/oauth/token", fields=form, encode_multipart=False
    )


def test_token_answer_is_documented_shape(server: SandboxServer) -> None:
    answer = post_token(
        server.url,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        grant_type="client_credentials",
    )
    assert answer.status == 200
    body = json.loads(answer.data)
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "jti"}
    assert body["token_type"] == "bearer" and body["expires_in"] == TOKEN_LIFETIME == 3599
    assert len(answer.headers["Zuora-Request-Id"]) == 36


def test_token_refusals(server: SandboxServer) -> None:
    bad_secret = post_token(
        server.url, client_id=DEMO_CLIENT_ID, client_secret="nope", grant_type="client_credentials"
    )
    assert bad_secret.status == 401
    assert json.loads(bad_secret.data)["error"] == "invalid_client"
    bad_grant = post_token(
        server.url,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        grant_type="password",
    )
    assert bad_grant.status == 400


def test_api_routes_need_a_valid_bearer(server: SandboxServer) -> None:
    missing = urllib3.request("GET", server.url + "/v1/echo")
    assert missing.status == 401
    body = json.loads(missing.data)
    assert body["success"] is False and body["reasons"][0]["code"] == 90000011
    forged = urllib3.request(
        "GET", server.url + "/v1/echo", headers={"Authorization": "Bearer forged"}
    )
    assert forged.status == 401


def test_connection_gets_a_token_and_the_zuora_headers(
    conn: Connection, sim: EchoSimulator
) -> None:
    response = conn.request("GET", "/v1/echo", headers={"Zuora-Track-Id": "trace-1"})
    assert response.json() == {"success": True, "path": "/v1/echo"}
    assert len(response.headers["Zuora-Request-Id"]) == 36
    assert response.headers["Zuora-Track-Id"] == "trace-1"
    assert response.headers["RateLimit-Limit"] == "50000"
    assert int(response.headers["RateLimit-Remaining"]) == 49999
    assert 0 < int(response.headers["RateLimit-Reset"]) <= 60
    assert sim.tokens_issued == 1


@pytest.mark.parametrize("profile_extra", [{"track_id": "profile-trace"}])
def test_track_id_from_profile_is_sent_and_echoed(conn: Connection, sim: EchoSimulator) -> None:
    response = conn.request("GET", "/v1/echo")
    assert response.headers["Zuora-Track-Id"] == "profile-trace"
    sent = dict(sim.log.where("GET", "/v1/echo")[0].headers)
    assert sent["Zuora-Track-Id"] == "profile-trace"
    assert "Authorization" in sent  # logged masked; the value never reaches the log


def test_token_expiring_mid_run_is_refreshed_once(
    conn: Connection, sim: EchoSimulator, clock: SimClock
) -> None:
    conn.request("GET", "/v1/echo")
    clock.advance(TOKEN_LIFETIME + 1)  # the client's cache (real time) still thinks it is fresh
    assert conn.request("GET", "/v1/echo").status == 200
    statuses = [(r.path, r.status) for r in sim.log]
    assert statuses == [
        ("/oauth/token", 200),
        ("/v1/echo", 200),
        ("/v1/echo", 401),
        ("/oauth/token", 200),
        ("/v1/echo", 200),
    ]
    assert sim.tokens_issued == 2


def test_revoked_tokens_twice_is_an_auth_error(conn: Connection, sim: EchoSimulator) -> None:
    conn.request("GET", "/v1/echo")
    sim.client_secret = "rotated"  # the refresh is refused too
    sim.expire_tokens()
    with pytest.raises(AuthError):
        conn.request("GET", "/v1/echo")


def test_http_200_with_success_false_raises(conn: Connection) -> None:
    with pytest.raises(InvalidRequest) as caught:
        conn.request("GET", "/v1/refused")
    assert caught.value.status == 200 and caught.value.code == "53100320"
    assert caught.value.request_id is not None and len(caught.value.request_id) == 36


@pytest.mark.parametrize("sim_options", [{"rate_limit": 2, "rate_window": 30.0}])
def test_429_waits_for_ratelimit_reset_then_succeeds(
    conn: Connection, sim: EchoSimulator, sleeper: Sleeper, clock: SimClock
) -> None:
    conn.request("GET", "/v1/echo")
    conn.request("GET", "/v1/echo")
    clock.advance(10)
    response = conn.request("GET", "/v1/echo")  # third in the window: 429, reset in 20s
    assert response.status == 200
    limited = [r for r in sim.log if r.status == 429]
    assert len(limited) == 1
    assert sleeper.calls == [20.0]  # waited exactly what RateLimit-Reset said


@pytest.mark.parametrize("sim_options", [{"rate_limit": 1, "send_retry_after": True}])
def test_429_over_budget_is_rate_limited_with_the_wait(
    sim: EchoSimulator, server: SandboxServer
) -> None:
    from jobadapter.config import profile_from_mapping
    from jobadapter_zuora_common.provider import ZuoraProvider

    profile = profile_from_mapping("z", sim.profile())
    transport = Transport(retry=RetryPolicy(max_attempts=1), sleep=lambda s: None)
    conn = Connection(profile=profile, provider=ZuoraProvider(), transport=transport)
    conn.request("GET", "/v1/echo")
    with pytest.raises(RateLimited) as caught:
        conn.request("GET", "/v1/echo")
    assert caught.value.retry_after == 60
    assert caught.value.code == "50000070"
    transport.close()


def test_large_answers_are_gzipped(
    conn: Connection, server: SandboxServer, sim: EchoSimulator
) -> None:
    response = conn.request("GET", "/v1/big")
    assert response.json()["filler"] == "x" * 5000  # the transport decoded it
    token = conn.credentials.auth_headers(conn.transport)
    raw = urllib3.request(
        "GET",
        server.url + "/v1/big",
        headers={**token, "Accept-Encoding": "gzip"},
        decode_content=False,
    )
    assert raw.headers["Content-Encoding"] == "gzip"
    small = urllib3.request(
        "GET", server.url + "/v1/echo", headers={**token, "Accept-Encoding": "gzip"}
    )
    assert "Content-Encoding" not in small.headers


def test_injected_faults_answer_in_zuora_shape(clock: SimClock) -> None:
    sim = EchoSimulator(clock=clock)
    with SandboxServer(sim, faults=Faults(server_error=1.0, exempt_paths=("/oauth",))) as server:
        answer = urllib3.request("GET", server.url + "/v1/echo")
    body: dict[str, Any] = json.loads(answer.data)
    assert answer.status >= 500
    assert body["success"] is False and str(body["reasons"][0]["code"]).startswith("500000")
    assert len(answer.headers["Zuora-Request-Id"]) == 36


def test_profile_is_ready_to_use(sim: EchoSimulator, server: SandboxServer) -> None:
    profile = sim.profile()
    assert profile == {
        "provider": "zuora",
        "base_url": server.url,
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
        "timezone": "America/Los_Angeles",  # not UTC: a wrong default shows
    }
