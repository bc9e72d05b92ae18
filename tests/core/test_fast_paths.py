"""The per-request fast paths give exactly what the general code gives, and skip no check.

Each shortcut (benchmark 1, docs/performance.md) is held against the code it
stands in for: urllib3's ``parse_url``, ``urlsplit``/``urlunsplit``, ``quote``,
``PoolManager.connection_from_host``, and the streamed, capped body read.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import pickle
import re
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit, urlunsplit

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jobadapter.config import Profile, ProfileMemo
from jobadapter.connection import Connection
from jobadapter.errors import InvalidRequest, ProviderResponseError
from jobadapter.parsing import (
    _EPOCH_MS_THRESHOLD,
    _INT_TEXT,
    _parse_loose,
    parse_timestamp,
    parse_timezone,
)
from jobadapter.provider import Provider
from jobadapter.redact import MASK, redact_text, register_secret
from jobadapter.transport import Response, Timeouts, Transport
from jobadapter.transport.prepare import split_target
from jobadapter.urls import (
    _SECRET_QUERY,
    PLAIN_URL,
    has_control_chars,
    join_url,
    path_segment,
    plain_url,
    safe_url,
)
from rawserver import RawServer
from urllib3.util import parse_url

# -- references: the general code each fast path replaces -------------------------


def reference_safe_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc.rpartition("@")[2]
    items = []
    for item in parts.query.split("&") if parts.query else []:
        name, sep, _ = item.partition("=")
        if sep and unquote(name).lower() in _SECRET_QUERY:
            item = f"{name}={MASK}"
        items.append(item)
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, "&".join(items), "")))


def reference_join(base: str, path: str) -> str:
    parts, extra = urlsplit(base), urlsplit(path)
    full_path = parts.path
    if extra.path:
        full_path = parts.path.rstrip("/") + "/" + extra.path.lstrip("/")
    query = "&".join(q for q in (parts.query, extra.query) if q)
    return urlunsplit((parts.scheme, parts.netloc, full_path, query, ""))


def reference_target(url: str) -> tuple[Any, ...]:
    parsed = parse_url(url)
    return parsed.scheme, parsed.host, parsed.port, parsed.request_uri


_URL_PIECES = [
    "/",
    "a",
    "Z",
    "0",
    "-",
    ".",
    "..",
    "/./",
    "/../",
    "%2F",
    "%2f",
    "%",
    "%zz",
    "?",
    "&",
    "=",
    "#",
    "@",
    ":",
    "~",
    "'",
    " ",
    "\t",
    "é",
    "[",
    "\\",
    "sig=x",
    "token=s3cr3t-fast-path",
]
_ORIGINS = [
    "http://h",
    "https://api.example.com",
    "http://127.0.0.1:40035",
    "HTTP://H",
    "http://u:p@h",
    "http://h:0",
    "http://h:99999",
    "http://[::1]:8080",
    "https://Host.Example.com",
]
register_secret("s3cr3t-fast-path")

urls = st.builds(
    lambda origin, pieces: origin + "".join(pieces),
    st.sampled_from(_ORIGINS),
    st.lists(st.sampled_from(_URL_PIECES), max_size=12),
)


def outcome(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001  (the exception type is the outcome)
        return type(exc)


# -- URLs ------------------------------------------------------------------------------


@settings(max_examples=3000, deadline=None)
@given(urls)
def test_request_target_is_what_parse_url_gives(url: str) -> None:
    assert outcome(lambda: split_target(url)) == outcome(lambda: reference_target(url))


@settings(max_examples=3000, deadline=None)
@given(urls)
def test_safe_url_is_what_split_and_unsplit_give(url: str) -> None:
    assert safe_url(url) == reference_safe_url(url)


def test_plain_urls_take_the_fast_path_and_others_do_not() -> None:
    assert PLAIN_URL.fullmatch("http://127.0.0.1:40035/zoho/crm/v8/Leads/x?job_id=5")
    assert PLAIN_URL.fullmatch("https://rest.zuora.com/v1/bulk/a%2Fb")
    for odd in (
        "HTTP://h/x",  # parsers lower-case the scheme
        "http://H/x",  # ... and the host
        "http://u@h/x",  # userinfo is dropped from logged URLs
        "http://h/x#f",  # fragments are never sent
        "http://h/%2f",  # urllib3 upper-cases escapes
        "http://h/a b",  # and encodes spaces
        "http://h:0/",
    ):
        assert PLAIN_URL.fullmatch(odd) is None, odd


def test_a_secret_in_a_plain_url_is_still_masked() -> None:
    url = "https://h/v1/jobs/s3cr3t-fast-path?X-Amz-Signature=abc&page=2"
    assert safe_url(url) == f"https://h/v1/jobs/{MASK}?X-Amz-Signature={MASK}&page=2"


def test_the_match_memo_answers_for_equal_strings_built_apart() -> None:
    first = "".join(["http://h/", "a"])
    second = "".join(["http://h/", "a b"])
    assert plain_url(first) is not None
    assert plain_url(second) is None  # not the memo of the previous URL
    assert plain_url(first) is not None


@settings(max_examples=2000, deadline=None)
@given(
    st.sampled_from(["http://h", "https://h.example.com/", "http://h:8080/api/", "http://h/x?a=1"]),
    st.lists(st.sampled_from(_URL_PIECES), max_size=8).map("".join),
)
@example("http://h", "//\t[")
@example("http://h", "//[")
def test_join_url_is_what_split_and_unsplit_give(base: str, path: str) -> None:
    expected = outcome(lambda: reference_join(base, path))
    got = outcome(lambda: join_url(base, path))
    if got is InvalidRequest:  # join_url refuses what the plain join would let through
        if expected is ValueError:  # urlsplit cannot read it either (e.g. "//[")
            return
        if not has_control_chars(path):  # (urlsplit may raise on those: '//\t[')
            extra = urlsplit(path)
            assert extra.scheme or extra.netloc or extra.fragment
    else:
        assert got == expected


@pytest.mark.parametrize("path", ["//\t[", "//[", "//[/x", "//[::1"])
def test_join_url_refuses_a_path_urlsplit_cannot_read_with_a_typed_error(path: str) -> None:
    # Found by the property above: "//[" reads as an unclosed IPv6 netloc, and
    # urlsplit's bare ValueError escaped join_url (the tab variant crashed the check).
    with pytest.raises(InvalidRequest):
        join_url("http://h", path)


def reference_query(query: Mapping[str, Any]) -> str:
    pairs = [
        (key, ("true" if value else "false") if isinstance(value, bool) else str(value))
        for key, value in query.items()
        if value is not None
    ]
    return urlencode(pairs, quote_via=quote)


@settings(max_examples=1000, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=6),
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        max_size=4,
    )
)
def test_a_query_is_what_urlencode_gives(query: dict[str, Any]) -> None:
    assert join_url("http://h/a", "b", query) == join_url("http://h/a", "b") + (
        f"?{reference_query(query)}" if reference_query(query) else ""
    )


def test_a_bad_api_root_is_refused_every_time_not_only_the_first() -> None:
    for _ in range(2):  # the parts of good roots are remembered; errors never are
        with pytest.raises(InvalidRequest, match="absolute http"):
            join_url("ftp://h", "/x")
        with pytest.raises(InvalidRequest, match="control character"):
            join_url("http://h/a\nb", "/x")
    assert join_url("http://h/api?v=1", "/x") == "http://h/api/x?v=1"


@given(st.text(max_size=12))
def test_path_segment_encodes_like_quote_and_refuses_the_same(value: str) -> None:
    if value in ("", ".", "..") or has_control_chars(value):
        with pytest.raises(InvalidRequest):
            path_segment(value)
    else:
        assert path_segment(value) == quote(value, safe="")


def test_control_characters_are_found_in_ascii_and_beyond() -> None:
    control = re.compile("[\x00-\x1f\x7f-\x9f]")
    for code in range(0x3000):
        text = f"ab{chr(code)}cd"
        assert has_control_chars(text) is (control.search(text) is not None), hex(code)


# -- timestamps ----------------------------------------------------------------------


def reference_timestamp(value: Any, tz: dt.tzinfo) -> dt.datetime | None:
    """``parse_timestamp`` as it was before its fast paths (``replace``, one branch)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("boolean")
    if isinstance(value, (int, float)) or (
        isinstance(value, str) and value.strip().find("-", 1) < 0 and _INT_TEXT.match(value.strip())
    ):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("not finite")
        if abs(number) >= _EPOCH_MS_THRESHOLD:
            number /= 1000.0
        try:
            return dt.datetime.fromtimestamp(number, tz=dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError("out of range") from None
    if not isinstance(value, str):
        raise ValueError("not a date-time")
    text = value.strip()
    if len(text) > 64:
        raise ValueError("too long")
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        parsed = dt.datetime.fromisoformat(iso)
    except ValueError:
        parsed = _parse_loose(iso, "timestamp")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(dt.timezone.utc)


@st.composite
def date_times(draw: st.DrawFn) -> str:
    """The ISO 8601 forms providers send: dates alone or with a time, basic or
    extended, fractions, and every kind of zone suffix (or none)."""
    moment = draw(st.datetimes(min_value=dt.datetime(1971, 1, 1)))
    text = moment.strftime(draw(st.sampled_from(["%Y-%m-%d", "%Y%m%d"])))
    time_part = draw(st.sampled_from(["", "%H", "%H:%M", "%H:%M:%S", "%H%M%S"]))
    if time_part:
        text += draw(st.sampled_from(["T", " ", "t"])) + moment.strftime(time_part)
        digits = draw(st.integers(0, 9))
        if digits and time_part.endswith("S"):
            text += draw(st.sampled_from([".", ","])) + f"{moment.microsecond:06d}000"[:digits]
    return text + draw(st.sampled_from(["", "Z", "z", "+00:00", "-05:30", "+0200", " "]))


timestamps = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**16), max_value=10**16) | st.integers() | st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(timezones=st.none() | st.timezones()).map(str),
    st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="seconds")),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.integers(min_value=0, max_value=10**13).map(str),
    st.text(alphabet="0123456789-:T .Z+\x1c\u2028\t", max_size=25),
)


ZONES = st.sampled_from(["UTC", "America/Los_Angeles", "Europe/Paris", "+05:30", "+02:00"])


def reads_as_the_reference(value: Any, zone: str) -> None:
    tz = parse_timezone(zone)
    expected = outcome(lambda: reference_timestamp(value, tz))
    got = outcome(lambda: parse_timestamp(value, tz=tz))
    assert got == expected
    if isinstance(got, dt.datetime):
        assert got.tzinfo is dt.timezone.utc and got.fold == expected.fold == 0


@settings(max_examples=3000, deadline=None)
@given(timestamps, ZONES)
def test_timestamps_read_as_before_their_fast_paths(value: Any, zone: str) -> None:
    reads_as_the_reference(value, zone)


@settings(max_examples=1000, deadline=None)
@given(date_times(), ZONES)
def test_iso_date_times_read_as_before_their_fast_paths(value: str, zone: str) -> None:
    reads_as_the_reference(value, zone)


# -- the transport -----------------------------------------------------------------


@pytest.fixture
def transport() -> Iterator[Transport]:
    with Transport(timeouts=Timeouts(connect=2.0, read=5.0), sleep=lambda _: None) as t:
        yield t


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


@settings(max_examples=500, deadline=None)
@given(urls)
def test_an_answer_shows_its_url_only_made_safe(url: str) -> None:
    response = Response(status=200, headers={}, data=b"", method="GET", url=url)
    assert response.url == safe_url(url)  # made on first read, then kept
    assert response.url is response.url
    assert repr(response) == f"Response(status=200, method='GET', url={safe_url(url)!r})"
    shown = [
        repr(response),
        response.url,
        repr(attrs.asdict(response)),
        repr(attrs.astuple(response)),
    ]
    assert not any("s3cr3t-fast-path" in text for text in shown)
    assert b"s3cr3t-fast-path" not in pickle.dumps(response)  # a pickle keeps the safe URL
    assert pickle.loads(pickle.dumps(response)).url == safe_url(url)
    assert attrs.evolve(response, status=201).url == response.url


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


# -- request headers as a plain dict (transport/headers.py) ------------------------


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["User-Agent", "user-agent", "Accept", "ACCEPT", "X-A", "x-a", "Host"]),
            st.text(alphabet="abc ", max_size=5),
        ),
        max_size=6,
    )
)
def test_prepare_headers_sets_names_as_httpheaderdict_does(pairs: list[tuple[str, str]]) -> None:
    from jobadapter.transport.prepare import prepare_headers
    from urllib3._collections import HTTPHeaderDict

    given_headers = dict(pairs)
    expected = HTTPHeaderDict()
    expected["User-Agent"] = "ua"
    for name, value in given_headers.items():
        expected[name] = value
    expected["Accept-Encoding"] = "gzip"
    got = prepare_headers("ua", given_headers)
    assert type(got) is not HTTPHeaderDict
    assert {k.lower(): v for k, v in got.items()} == {k.lower(): v for k, v in expected.items()}
    assert len(got) == len(expected)  # one header per name, whatever its case


def test_request_headers_put_replace_and_drop_in_any_case() -> None:
    from jobadapter.transport.headers import RequestHeaders

    headers = RequestHeaders({"content-type": "text/plain"})
    headers.put_default("Content-Type", "application/json")
    assert headers == {"content-type": "text/plain"}
    headers.put("CONTENT-TYPE", "text/csv")
    assert headers == {"CONTENT-TYPE": "text/csv"}
    assert headers.get_any("Content-Type") == "text/csv"
    headers.drop("content-TYPE")
    assert headers == {}
    headers.drop("absent")


def test_request_headers_of_reads_a_one_pass_iterator_whole() -> None:
    from jobadapter.transport.headers import RequestHeaders

    pairs = iter([("Accept", "a"), ("X-Id", "7"), ("accept", "b")])
    assert RequestHeaders.of(pairs) == {"accept": "b", "X-Id": "7"}


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


# -- an answer's header looked up in one step (headers.py) --------------------------


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Retry-After", "retry-after", "RateLimit-Remaining", "X-A", "x-a"]),
            st.text(alphabet="0123 ,", max_size=4),
        ),
        max_size=6,
    ),
    st.sampled_from(["Retry-After", "RETRY-AFTER", "ratelimit-remaining", "X-A", "Absent"]),
)
def test_header_value_of_an_answer_is_the_first_value_in_any_case(
    pairs: list[tuple[str, str]], name: str
) -> None:
    from jobadapter.headers import header_value
    from urllib3._collections import HTTPHeaderDict

    answer = HTTPHeaderDict()
    for key, value in pairs:
        answer.add(key, value)
    walked = next((v for k, v in answer.iteritems() if k.lower() == name.lower()), None)
    assert header_value(answer, name) == walked
    plain = {"Content-Type": "text/plain", "retry-after": "7"}
    assert header_value(plain, "Retry-After") == "7"
    assert header_value(plain, "content-TYPE") == "text/plain"
    assert header_value(plain, "Absent") is None


def test_header_value_finds_urllib3_headers_when_urllib3_comes_after_it() -> None:
    """``jobadapter.headers`` imports no urllib3 (start-up): an answer's headers,
    whenever urllib3 is imported, still take the one-step lookup."""
    code = (
        "import sys\n"
        "from jobadapter.headers import header_value\n"
        "assert 'urllib3' not in sys.modules\n"
        "assert header_value({'Retry-After': '7'}, 'retry-after') == '7'\n"
        "from urllib3._collections import HTTPHeaderDict\n"
        "h = HTTPHeaderDict()\n"
        "h.add('X-A', '1')\n"
        "h.add('x-a', '2')\n"
        "assert header_value(h, 'X-A') == '1'\n"
        "import jobadapter.headers as m\n"
        "assert m._header_dict is HTTPHeaderDict\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


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
