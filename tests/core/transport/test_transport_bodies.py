"""Answer and request bodies: JSON errors, gzip both ways, size caps (a gzip bomb
included), forms and multipart."""

from __future__ import annotations

import gzip
import json
import random
import time
import zlib
from collections.abc import Iterator

import pytest
from jobadapter.errors import InvalidRequest, ProviderResponseError, TransientError
from jobadapter.retry import RetryPolicy
from jobadapter.transport import Response
from scriptserver import Server
from transport_setup import Sleeps, gzip_response, make_transport
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WResponse


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
