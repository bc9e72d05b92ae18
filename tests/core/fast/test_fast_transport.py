"""The transport's fast paths: pool picked, body read and capped, headers checked, answer built."""

from __future__ import annotations

import json
import pickle
import ssl
from typing import Any

import pytest
from fast_reference import outcome
from hypothesis import given, settings
from hypothesis import strategies as st
from jobadapter.errors import InvalidRequest, ProviderResponseError
from jobadapter.redact import MASK
from jobadapter.transport import Response, Transport
from rawserver import RawServer

# -- the transport -----------------------------------------------------------------


def answer(body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"HTTP/1.1 200 OK\r\nConnection: close\r\n{head}\r\n".encode() + body


def test_the_pool_is_the_one_the_pool_manager_would_pick(transport: Transport) -> None:
    pool, target = transport._pool_for("http://127.0.0.1:9/a/b?c=1", True)
    assert target == "/a/b?c=1"
    assert pool is transport._pool.connection_from_host("127.0.0.1", port=9, scheme="http")
    unverified, _ = transport._pool_for("https://127.0.0.1:9/", False)
    assert getattr(unverified, "cert_reqs", None) == ssl.CERT_NONE
    assert unverified is not transport._pool_for("https://127.0.0.1:9/", True)[0]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)


@settings(max_examples=2000, deadline=None)
@given(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([None, "utf-16-le", "utf-16-be", "utf-32-le", "utf-8-sig"]),
    st.binary(max_size=3),
    st.sampled_from([b"", b" ", b"\n", b" x", b"}"]),
)
def test_an_answer_body_reads_as_json_loads_reads_it(
    body: bytes, encoding: str | None, cut: bytes, tail: bytes
) -> None:
    if encoding is not None:
        body = body.decode().encode(encoding)
    for data in (body, body + tail, body[: len(body) // 2] + cut):
        response = Response(status=200, headers={}, data=data, method="GET", url="http://h/")
        expected = outcome(lambda data=data: json.loads(data))
        got = outcome(response.json)
        if isinstance(expected, type) and issubclass(expected, BaseException):
            assert got is ProviderResponseError
        else:
            assert json.dumps(got) == json.dumps(expected)  # NaN != NaN, but dumps alike


def test_an_answer_from_the_wire_carries_its_safe_url(transport: Transport) -> None:
    with RawServer([answer(b"{}", "Content-Length: 2")]) as server:
        response = transport.request("GET", server.url + "/x?sig=abc&token=s3cr3t-fast-path")
    assert response.url == server.url + f"/x?sig={MASK}&token={MASK}"


def test_a_small_body_is_read_in_one_call(transport: Transport) -> None:
    with RawServer([answer(b'{"a": 1}', "Content-Length: 8")]) as server:
        response = transport.request("GET", server.url + "/x")
    assert response.json() == {"a": 1}
    assert transport.stats.snapshot()["bytes_received"] == 8


def test_a_declared_length_over_the_cap_is_refused(transport: Transport) -> None:
    with (
        Transport(max_response_bytes=10, sleep=lambda _: None) as small,
        RawServer([answer(b"x" * 11, "Content-Length: 11")]) as server,
        pytest.raises(ProviderResponseError, match="larger than 10 bytes"),
    ):
        small.request("GET", server.url + "/x")


def test_chunked_beats_content_length_and_the_cap_still_holds() -> None:
    chunk = b"x" * 500
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(chunk), chunk)
    with (
        Transport(max_response_bytes=100, sleep=lambda _: None) as small,
        RawServer([answer(body, "Content-Length: 5", "Transfer-Encoding: chunked")]) as server,
        pytest.raises(ProviderResponseError, match="larger than 100 bytes"),
    ):
        small.request("GET", server.url + "/x")


def test_a_body_cut_short_is_a_broken_connection_not_a_short_answer(
    transport: Transport,
) -> None:
    cut = answer(b'{"a', "Content-Length: 50")
    with (
        RawServer([cut, cut, cut, cut, cut]) as server,
        pytest.raises(Exception, match="mid-body") as caught,
    ):
        transport.request("GET", server.url + "/x")
    assert not isinstance(caught.value, ProviderResponseError)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Fast", "a\r\nInjected: 1"),
        ("X-Fast", "a\nb"),
        ("X-Fast", "a\0b"),
        ("X-Fast", "\u0100"),
        ("X-Fast", 5),
        ("X Fast", "a"),
        ("X-Fast\n", "a"),
    ],
)
def test_a_header_name_seen_before_still_gets_its_value_checked(
    transport: Transport, name: Any, value: Any
) -> None:
    with RawServer([answer(b"{}", "Content-Length: 2")]) as server:
        transport.request("GET", server.url + "/x", headers={"X-Fast": "ok\tfine"})
    with pytest.raises(InvalidRequest):
        transport.request("GET", "http://127.0.0.1:9/x", headers={name: value})


def test_latin_1_header_values_are_still_accepted(transport: Transport) -> None:
    with RawServer([answer(b"{}", "Content-Length: 2")]) as server:
        transport.request("GET", server.url + "/x", headers={"X-Name": "Zoë"})


# -- the answer deadline's reads (transport/deadline.py) ----------------------------


class _CountingSocket:
    """What ``_DeadlineReader`` asks of a socket, counting timeout changes."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.changes = 0

    def gettimeout(self) -> float:
        return self.timeout

    def settimeout(self, value: float) -> None:
        self.changes += 1
        self.timeout = value

    def recv_into(self, buffer: Any) -> int:
        buffer[:2] = b"ok"
        return 2


def test_a_read_within_slack_of_the_deadline_keeps_the_socket_timeout() -> None:
    """The usual case: the deadline is the socket's own read timeout set a moment ago."""
    from jobadapter.transport.deadline import SLACK, _DeadlineReader, answer_deadline

    sock = _CountingSocket(60.0)
    reader = _DeadlineReader(sock, "rb")  # type: ignore[arg-type]
    with answer_deadline(60.0):
        assert reader.readinto(bytearray(8)) == 2
    assert sock.changes == 0
    far = _CountingSocket(60.0 + 10 * SLACK)  # a deadline well inside the socket's timeout
    reader = _DeadlineReader(far, "rb")  # type: ignore[arg-type]
    with answer_deadline(60.0):
        assert reader.readinto(bytearray(8)) == 2
    assert far.changes == 2  # cut to the deadline for the read, then put back
    assert far.timeout == 60.0 + 10 * SLACK


@given(
    st.integers(100, 599),
    st.dictionaries(st.sampled_from(["Content-Type", "X-Request-Id", "Location"]), st.text()),
    st.binary(max_size=20),
    st.sampled_from(["GET", "POST"]),
    st.sampled_from(["https://h/x", "https://h/x?token=s3cr3t&a=1", "http://u:p@h:8/y"]),
)
def test_a_response_from_the_wire_is_the_one_its_constructor_makes(
    status: int, headers: dict[str, str], data: bytes, method: str, url: str
) -> None:
    from urllib3._collections import HTTPHeaderDict

    wire = HTTPHeaderDict(headers)
    made = Response.from_wire(status, wire, data, method, url)
    built = Response(status=status, headers=wire, data=data, method=method, url=url)
    assert made == built and repr(made) == repr(built)
    assert list(vars(made).items()) == list(vars(built).items())
    assert pickle.dumps(made) == pickle.dumps(built)
    plain = Response.from_wire(status, headers, data, method, url)  # type: ignore[arg-type]
    assert plain == built and isinstance(plain.headers, HTTPHeaderDict)
