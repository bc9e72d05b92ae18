"""Transport and retry policy against real servers on 127.0.0.1 (no real sleeping)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import logging
import random
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jobadapter.errors import (
    InvalidRequest,
    NotFound,
    ProviderResponseError,
    TransientError,
)
from jobadapter.redact import register_secret
from jobadapter.retry import RetryPolicy, parse_retry_after, wait_hint
from jobadapter.transport import Response, Timeouts, Transport
from rawserver import RawServer
from scriptserver import Server
from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WResponse

SECRET = "s3cr3t-token-value-123"
register_secret(SECRET)


# -- helpers -------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def other_server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_transport(sleeps: Sleeps | None = None, **kw: Any) -> Transport:
    kw.setdefault("timeouts", Timeouts(connect=2.0, read=5.0))
    return Transport(sleep=sleeps or Sleeps(), rng=random.Random(7), **kw)


def json_response(payload: Any, status: int = 200, **headers: str) -> WResponse:
    return WResponse(
        json.dumps(payload), status=status, headers=headers, mimetype="application/json"
    )


def gzip_response(data: bytes, status: int = 200) -> WResponse:
    return WResponse(gzip.compress(data), status=status, headers={"Content-Encoding": "gzip"})


def reset_mid_body(conn: socket.socket) -> None:
    conn.sendall(
        b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{"a'
    )
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def full_answer(conn: socket.socket) -> None:
    body = b'{"ok": true}'
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


# -- retry policy ----------------------------------------------------------------


@given(attempt=st.integers(min_value=0, max_value=10_000), seed=st.integers(0, 2**32))
def test_backoff_is_full_jitter_within_the_cap(attempt: int, seed: int) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=30.0)
    wait = policy.backoff(attempt, random.Random(seed))
    assert 0.0 <= wait <= min(30.0, 0.5 * 2 ** min(attempt, 60))


def test_backoff_grows_then_caps_and_jitters() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_cap=8.0)
    rng = random.Random(1)
    waits = [policy.backoff(3, rng) for _ in range(500)]
    assert max(waits) <= 8.0 and min(waits) >= 0.0
    assert max(waits) > 6.0 and min(waits) < 2.0  # spread over the whole range
    assert max(policy.backoff(0, rng) for _ in range(200)) <= 1.0


def test_retry_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(budget=-1)


def test_parse_retry_after_seconds_and_dates() -> None:
    now = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 3 ") == 3.0
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after("Wed, 01 May 2024 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 May 2024 11:00:00 GMT", now=now) == 0.0  # in the past
    for bad in (None, "", "soon", "-5", "1e999", "nan"):
        assert parse_retry_after(bad, now=now) is None


def test_wait_hint_prefers_retry_after_then_ratelimit_reset() -> None:
    assert wait_hint({"retry-after": "4", "RateLimit-Reset": "50"}) == 4.0
    assert wait_hint({"RateLimit-Reset": "50"}) == 50.0
    assert wait_hint({"ratelimit-reset": "7, 60"}) == 7.0
    assert wait_hint({"Retry-After": "garbage", "RateLimit-Reset": "9"}) == 9.0
    assert wait_hint({"RateLimit-Limit": "100"}) is None
    now = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
    epoch = str(int(now.timestamp()) + 12)
    assert wait_hint({"RateLimit-Reset": epoch}, now=now) == 12.0


# -- retries -------------------------------------------------------------------


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


# -- bodies --------------------------------------------------------------------


def test_json_errors_are_provider_response_errors(server: Server) -> None:
    server.script = [
        WResponse('{"a": 1,, }', mimetype="application/json"),
        WResponse("<html><body>Bad gateway</body></html>", status=200, mimetype="text/html"),
        WResponse("", status=200),
        WResponse('{"jobs": [{"id": "1"', mimetype="application/json"),
    ]
    transport = make_transport()
    expected = ["malformed JSON", "HTML page", "empty body", "truncated JSON"]
    for reason in expected:
        response = transport.request("GET", server.url)
        with pytest.raises(ProviderResponseError, match=reason) as info:
            response.json()
        assert info.value.status == 200


def test_response_json_unit_cases() -> None:
    def make(data: bytes, ctype: str = "application/json") -> Response:
        return Response(200, {"Content-Type": ctype}, data, "GET", "http://h/x")

    assert make(b'{"a": [1, 2]}').json() == {"a": [1, 2]}
    assert make(b"  \n").ok
    for data in (b"  \n", b"\xff\xfe\x00garbage", b"[" * 100_000, b'"unterminated'):
        with pytest.raises(ProviderResponseError):
            make(data).json()
    assert "data" not in repr(make(b'{"access_token": "x"}'))
    assert make(b'{"a": 1}', "text/html").json() == {"a": 1}  # sloppy type, real JSON
    with pytest.raises(ProviderResponseError, match="HTML page"):
        make(b"Service Unavailable", "text/html; charset=utf-8").json()
    plain = Response(200, {"content-type": "text/plain; charset=latin-1"}, b"caf\xe9", "GET", "u")
    assert plain.text == "café" and plain.headers["Content-Type"].startswith("text/plain")


def test_gzip_answers_are_decoded_and_accept_encoding_sent(server: Server) -> None:
    payload = json.dumps({"rows": list(range(5000))}).encode()
    server.script = [gzip_response(payload)]
    transport = make_transport()
    response = transport.request("GET", server.url)
    assert response.json() == {"rows": list(range(5000))}
    headers = server.requests[0]["headers"]
    assert headers["Accept-Encoding"] == "gzip"
    assert headers["User-Agent"].startswith("jobadapter/")
    assert transport.stats.bytes_received < len(payload)


def test_multi_member_gzip_is_read_whole(server: Server) -> None:
    server.script = [
        WResponse(
            gzip.compress(b"abc") + gzip.compress(b"def"), headers={"Content-Encoding": "gzip"}
        )
    ]
    assert make_transport().request("GET", server.url).data == b"abcdef"


def test_truncated_gzip_is_retried_for_get_then_transient(server: Server) -> None:
    whole = gzip.compress(b'{"a": "' + b"x" * 5000 + b'"}')
    server.default = WResponse(whole[: len(whole) // 2], headers={"Content-Encoding": "gzip"})
    sleeps = Sleeps()
    with pytest.raises(TransientError, match="truncated"):
        make_transport(sleeps, retry=RetryPolicy(max_attempts=3)).request("GET", server.url)
    assert len(server.requests) == 3 and len(sleeps.waits) == 2

    server.requests.clear()
    server.script = [
        WResponse(whole[:-8], headers={"Content-Encoding": "gzip"}),
        gzip_response(b"{}"),
    ]
    assert make_transport().request("GET", server.url).json() == {}


def test_truncated_gzip_on_post_is_a_response_error(server: Server) -> None:
    whole = gzip.compress(random.Random(3).randbytes(5000))
    server.default = WResponse(whole[:2000], headers={"Content-Encoding": "gzip"})
    with pytest.raises(ProviderResponseError, match="truncated gzip"):
        make_transport().request("POST", server.url, body=b"{}")
    assert len(server.requests) == 1


def zeros_gzip(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """``total`` zero bytes, gzip-compressed, produced lazily (never held in memory)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(chunk)
    for _ in range(total // chunk):
        out = compressor.compress(block)
        if out:
            yield out
    yield compressor.flush()


def test_gzip_bomb_raises_fast_without_filling_memory(server: Server) -> None:
    sent = {"chunks": 0}

    def bomb(_request: Request) -> WResponse:
        def body() -> Iterator[bytes]:
            for piece in zeros_gzip(1 << 30):
                sent["chunks"] += 1
                yield piece

        return WResponse(body(), headers={"Content-Encoding": "gzip"})

    server.script = [bomb]
    transport = make_transport(max_response_bytes=1 << 20)
    started = time.monotonic()
    with pytest.raises(ProviderResponseError, match="larger than 1048576 bytes"):
        transport.request("GET", server.url)
    assert time.monotonic() - started < 3.0
    assert len(server.requests) == 1  # a bomb is not retried
    assert transport.stats.bytes_received < 256 * 1024  # stopped long before 1 GiB's ~1 MiB of gzip


def test_plain_body_over_the_cap_is_refused(server: Server) -> None:
    server.script = [WResponse(b"x" * 5000)]
    with pytest.raises(ProviderResponseError, match="larger than"):
        make_transport(max_response_bytes=1000).request("GET", server.url)


def test_gzip_request_body(server: Server) -> None:
    server.script = [WResponse("ok")]
    make_transport().request("POST", server.url, json={"big": "y" * 2000}, gzip_body=True)
    got = server.requests[0]
    assert got["headers"]["Content-Encoding"] == "gzip"
    assert got["headers"]["Content-Type"] == "application/json"
    assert json.loads(gzip.decompress(got["body"])) == {"big": "y" * 2000}
    assert len(got["body"]) < 200


def test_form_multipart_and_one_body_only(server: Server) -> None:
    transport = make_transport()
    transport.request("POST", server.url, form={"grant_type": "client_credentials", "x": "a b"})
    transport.request(
        "POST",
        server.url,
        multipart={"params": '{"actionType": "MPU"}', "file": ("in.csv", b"id\n1\n", "text/csv")},
    )
    form, multi = server.requests
    assert form["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert form["body"] == b"grant_type=client_credentials&x=a+b"
    assert multi["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'filename="in.csv"' in multi["body"] and b"id\n1\n" in multi["body"]
    with pytest.raises(InvalidRequest, match="only one"):
        transport.request("POST", server.url, body=b"x", json={})


# -- redirects -----------------------------------------------------------------


def redirect_to(url: str, status: int = 302) -> WResponse:
    return WResponse("", status=status, headers={"Location": url})


def test_cross_host_redirect_drops_credentials(server: Server, other_server: Server) -> None:
    server.script = [redirect_to(other_server.url + "/file?X-Amz-Signature=abc")]
    headers = {
        "Authorization": f"Bearer {SECRET}",
        "Cookie": "session=1",
        "X-Custom-Token": SECRET,
        "Zuora-Track-Id": "track-1",
    }
    response = make_transport().request("GET", server.url + "/v1/files/1", headers=headers)
    assert response.ok and len(other_server.requests) == 1
    got = other_server.requests[0]["headers"]
    assert "Authorization" not in got and "Cookie" not in got and "X-Custom-Token" not in got
    assert got["Zuora-Track-Id"] == "track-1"
    assert "abc" not in response.url and "X-Amz-Signature=***" in response.url


def test_same_host_redirect_keeps_authorization(server: Server) -> None:
    server.script = [redirect_to("/moved", 307), WResponse("here")]
    response = make_transport().request(
        "GET", server.url + "/old", headers={"Authorization": f"Bearer {SECRET}"}
    )
    assert response.text == "here" and response.url == server.url + "/moved"
    assert server.requests[1]["headers"]["Authorization"] == f"Bearer {SECRET}"


def test_303_turns_post_into_get(server: Server) -> None:
    server.script = [redirect_to("/result", 303), WResponse("done")]
    response = make_transport().request(
        "POST", server.url + "/submit", json={"a": 1}, idempotency_key="k1"
    )
    assert response.method == "GET" and response.text == "done"
    second = server.requests[1]
    assert second["method"] == "GET" and second["body"] == b""
    assert "Idempotency-Key" not in second["headers"] and "Content-Type" not in second["headers"]


def test_307_keeps_method_and_body(server: Server) -> None:
    server.script = [redirect_to("/v2", 307), WResponse("ok")]
    make_transport().request("PUT", server.url + "/v1", body=b"payload")
    assert server.requests[1]["method"] == "PUT" and server.requests[1]["body"] == b"payload"


def test_redirect_loop_stops_after_five(server: Server) -> None:
    server.default = redirect_to("/again")
    with pytest.raises(ProviderResponseError, match="more than 5 redirects"):
        make_transport().request("GET", server.url)
    assert len(server.requests) == 6


# -- safety --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x00b"])
def test_header_injection_is_refused_before_sending(server: Server, value: str) -> None:
    with pytest.raises(InvalidRequest, match="header injection"):
        make_transport().request("GET", server.url, headers={"Zuora-Track-Id": value})
    assert server.requests == []


def test_bad_header_names_and_urls_are_refused(server: Server) -> None:
    transport = make_transport()
    with pytest.raises(InvalidRequest):
        transport.request("GET", server.url, headers={"Bad Name": "x"})
    with pytest.raises(InvalidRequest):
        transport.request("GET", server.url + "/x\r\nHost: evil")
    with pytest.raises(InvalidRequest):
        transport.request("GET", "file:///etc/passwd")
    assert server.requests == []


def test_no_secret_in_logs_or_repr(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    server.script = [WResponse(status=503), json_response({"ok": 1})]
    transport = make_transport()
    with caplog.at_level(logging.DEBUG, logger="jobadapter"):
        transport.request(
            "GET",
            server.url + f"/v1?access_token={SECRET}&page=2",
            headers={"Authorization": f"Bearer {SECRET}", "X-Api-Key": "k-12345678"},
        )
    text = caplog.text
    assert "page=2" in text and "503" in text
    assert SECRET not in text and "k-12345678" not in text
    assert SECRET not in repr(transport)
    assert server.requests[0]["headers"]["Authorization"] == f"Bearer {SECRET}"


def test_shared_by_threads(server: Server) -> None:
    server.default = lambda request: json_response({"path": request.path})
    transport = make_transport(pool_maxsize=4)
    results: list[Any] = [None] * 20

    def work(i: int) -> None:
        results[i] = transport.request("GET", f"{server.url}/job/{i}").json()["path"]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [f"/job/{i}" for i in range(20)]
    assert transport.stats.snapshot()["requests"] == 20
    transport.close()


# -- download ------------------------------------------------------------------


def test_download_streams_and_decodes(server: Server) -> None:
    data = b"id,status\n" + b"1,ok\n" * 50_000
    server.script = [gzip_response(data)]
    dest = io.BytesIO()
    assert make_transport().download(server.url + "/out.csv", dest) == len(data)
    assert dest.getvalue() == data


def test_download_cap_and_errors(server: Server) -> None:
    server.script = [WResponse(b"x" * 10_000), WResponse("gone", status=404)]
    transport = make_transport()
    with pytest.raises(ProviderResponseError, match="larger than"):
        transport.download(server.url, io.BytesIO(), max_bytes=1000)
    with pytest.raises(NotFound) as info:
        transport.download(server.url, io.BytesIO())
    assert info.value.status == 404


def test_download_retry_rewinds_the_file() -> None:
    dest = io.BytesIO(b"keep:")
    dest.seek(0, io.SEEK_END)
    with RawServer([reset_mid_body, full_answer]) as raw:
        written = make_transport().download(raw.url, dest)
    assert dest.getvalue() == b'keep:{"ok": true}' and written == 12


def test_download_cross_host_redirect_drops_authorization(
    server: Server, other_server: Server
) -> None:
    server.script = [redirect_to(other_server.url + "/blob", 302)]
    other_server.script = [WResponse(b"payload")]
    dest = io.BytesIO()
    make_transport().download(server.url, dest, headers={"Authorization": f"Bearer {SECRET}"})
    assert dest.getvalue() == b"payload"
    assert "Authorization" not in other_server.requests[0]["headers"]


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
