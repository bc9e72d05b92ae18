"""Which failed requests the transport tries again, how long it waits between tries,
and when it gives up (no real sleeping)."""

from __future__ import annotations

import json
import random
import socket
import threading
from typing import Any

import pytest
from jobadapter.errors import TransientError
from jobadapter.retry import RetryPolicy
from jobadapter.transport import Transport
from rawserver import RawServer
from scriptserver import Server
from transport_setup import (
    SECRET,
    Sleeps,
    full_answer,
    json_response,
    make_transport,
    reset_mid_body,
)
from werkzeug.serving import make_server
from werkzeug.wrappers import Response as WResponse


def test_429_then_200_waits_what_the_server_asked(server: Server) -> None:
    server.script = [
        WResponse("slow down", status=429, headers={"Retry-After": "7"}),
        json_response({"a": 1}),
    ]
    sleeps = Sleeps()
    seen: list[tuple[int, float, str]] = []
    response = make_transport(sleeps).request(
        "GET", server.url + "/x", on_retry=lambda *a: seen.append(a)
    )
    assert response.status == 200 and response.json() == {"a": 1}
    assert sleeps.waits == [7.0]
    assert seen == [(1, 7.0, "HTTP 429")]
    assert len(server.requests) == 2


def test_retry_after_is_capped_and_ratelimit_reset_used(server: Server) -> None:
    server.script = [
        WResponse(status=429, headers={"Retry-After": "1000"}),
        WResponse(status=429, headers={"RateLimit-Reset": "3"}),
        WResponse("done"),
    ]
    sleeps = Sleeps()
    policy = RetryPolicy(retry_after_cap=10.0, budget=100.0)
    assert make_transport(sleeps, retry=policy).request("GET", server.url).text == "done"
    assert sleeps.waits == [10.0, 3.0]


def test_wait_beyond_budget_returns_the_answer_at_once(server: Server) -> None:
    server.default = WResponse(status=429, headers={"Retry-After": "50"})
    sleeps = Sleeps()
    response = make_transport(sleeps, retry=RetryPolicy(budget=20.0)).request("GET", server.url)
    assert response.status == 429 and sleeps.waits == []
    assert len(server.requests) == 1


def test_503_exhausted_returns_last_response(server: Server) -> None:
    server.default = WResponse("down", status=503, headers={"Zuora-Request-Id": "rid-1"})
    sleeps = Sleeps()
    transport = make_transport(sleeps, retry=RetryPolicy(max_attempts=4))
    response = transport.request("GET", server.url)
    assert response.status == 503 and not response.ok
    assert response.request_id == "rid-1"
    assert len(server.requests) == 4 and len(sleeps.waits) == 3
    assert transport.stats.retries == 3 and transport.stats.requests == 4
    # the exponential envelope with full jitter: each wait under base * 2**n
    assert all(0 <= w <= 0.5 * 2**n for n, w in enumerate(sleeps.waits))


def test_post_not_retried_without_idempotency_key(server: Server) -> None:
    server.default = WResponse(status=503)
    response = make_transport().request("POST", server.url, json={"a": 1})
    assert response.status == 503 and len(server.requests) == 1


def test_post_retried_with_the_same_idempotency_key(server: Server) -> None:
    server.script = [WResponse(status=503), WResponse(status=502), json_response({"ok": True})]
    response = make_transport().request("POST", server.url, json={"a": 1}, idempotency_key="key-42")
    assert response.json() == {"ok": True}
    assert [r["headers"]["Idempotency-Key"] for r in server.requests] == ["key-42"] * 3
    assert all(json.loads(r["body"]) == {"a": 1} for r in server.requests)


def test_retry_unsafe_allows_post_retries_without_a_key(server: Server) -> None:
    server.script = [WResponse(status=504), WResponse("ok")]
    response = make_transport().request("POST", server.url, form={"a": "b"}, retry_unsafe=True)
    assert response.ok and len(server.requests) == 2
    assert "Idempotency-Key" not in server.requests[0]["headers"]


def test_500_retried_for_idempotent_requests_only(server: Server) -> None:
    server.script = [WResponse(status=500), WResponse("fine")]
    assert make_transport().request("GET", server.url).text == "fine"
    assert len(server.requests) == 2

    server.requests.clear()
    server.script = [WResponse(status=500), WResponse("fine")]
    response = make_transport().request("POST", server.url, body=b"x")
    assert response.status == 500 and len(server.requests) == 1  # may have been done: not resent

    server.requests.clear()
    server.script = [WResponse(status=500), WResponse("fine")]
    response = make_transport().request("POST", server.url, body=b"x", idempotency_key="k")
    assert response.text == "fine" and len(server.requests) == 2  # the key makes it safe
    assert {r["headers"]["Idempotency-Key"] for r in server.requests} == {"k"}


def test_connection_reset_mid_body_then_success() -> None:
    sleeps = Sleeps()
    with RawServer([reset_mid_body, full_answer]) as raw:
        response = make_transport(sleeps).request("GET", raw.url + "/job")
    assert response.json() == {"ok": True}
    assert raw.connections == 2 and len(sleeps.waits) == 1


def test_connection_reset_on_post_is_not_retried() -> None:
    with (
        RawServer([reset_mid_body, full_answer]) as raw,
        pytest.raises(TransientError, match="not idempotent"),
    ):
        make_transport().request("POST", raw.url, json={"a": 1})
    assert raw.connections == 1


def test_connection_refused_raises_transient_error_after_the_budget() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    sleeps = Sleeps()
    transport = make_transport(sleeps, retry=RetryPolicy(max_attempts=3))
    with pytest.raises(TransientError) as info:
        transport.request("POST", f"http://127.0.0.1:{port}/v1?access_token={SECRET}", body=b"x")
    assert len(sleeps.waits) == 2  # connect failures are retried even for POST: nothing was sent
    text = str(info.value)
    assert "gave up after 3 attempt" in text and "check the URL" in text
    assert SECRET not in text and SECRET not in repr(info.value)
    assert info.value.retryable


def test_5xx_does_not_wait_for_the_rate_window_reset() -> None:
    """Zuora sends RateLimit-Reset on every answer: only a 429 should wait for it."""
    answers = [(503, {"RateLimit-Reset": "60"}), (200, {})]

    def app(environ: Any, start_response: Any) -> list[bytes]:
        status, headers = answers.pop(0)
        start_response(f"{status} X", [("Content-Type", "application/json"), *headers.items()])
        return [b"{}"]

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    waits: list[float] = []
    try:
        transport = Transport(sleep=waits.append, rng=random.Random(1))
        response = transport.request("GET", f"http://127.0.0.1:{server.server_port}/x")
    finally:
        server.shutdown()
    assert response.status == 200
    assert len(waits) == 1 and waits[0] < 60
