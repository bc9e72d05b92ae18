"""Safe URL building: untrusted ids stay one path segment; origins compare correctly."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jobadapter.errors import InvalidRequest
from jobadapter.urls import join_url, path_segment, safe_url, same_origin


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("abc-123", "abc-123"),
        ("a/b", "a%2Fb"),
        ("x?delete=1", "x%3Fdelete%3D1"),
        ("id#frag", "id%23frag"),
        ("../../v1/accounts", "..%2F..%2Fv1%2Faccounts"),
        ("%2e%2e", "%252e%252e"),
        ("a b", "a%20b"),
        ("ünï", "%C3%BCn%C3%AF"),
    ],
)
def test_path_segment_encodes_everything(value: str, encoded: str) -> None:
    assert path_segment(value) == encoded


@pytest.mark.parametrize(
    "value", ["", ".", "..", "a\r\nb", "a\nb", "a\rb", "a\x00b", "a\x7f", "a\x85"]
)
def test_path_segment_rejects(value: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        path_segment(value, what="bulk key")
    assert "bulk key" in str(info.value)


@given(st.text(min_size=1).filter(lambda v: v not in {".", ".."}))
def test_path_segment_is_one_reversible_segment(value: str) -> None:
    try:
        segment = path_segment(value)
    except InvalidRequest:
        return  # control characters
    assert not set(segment) & set("/?#\r\n ")
    assert unquote(segment) == value
    url = join_url("https://rest.zuora.com", f"/v1/bulk/{segment}")
    assert urlsplit(url).path.count("/") == 3 and not urlsplit(url).query


def test_join_url_keeps_prefixes_and_queries() -> None:
    assert join_url("https://h.example/api/", "/v1/bulk") == "https://h.example/api/v1/bulk"
    assert join_url("https://h.example", "v1/bulk") == "https://h.example/v1/bulk"
    assert join_url("https://h.example/x?a=1", "") == "https://h.example/x?a=1"
    url = join_url(
        "https://h.example/p",
        "/objects/jobs",
        {"pageSize": 100, "cursor": None, "status": "in progress"},
    )
    assert url == "https://h.example/p/objects/jobs?pageSize=100&status=in%20progress"
    assert join_url("https://h.example", "/x", {"flag": True, "q": "a&b=c/d"}).endswith(
        "/x?flag=true&q=a%26b%3Dc%2Fd"
    )
    presigned = "https://bucket.s3.amazonaws.com/f.csv?X-Amz-Signature=abc&X-Amz-Expires=60"
    assert join_url(presigned, "") == presigned


@pytest.mark.parametrize(
    ("base", "path"),
    [
        ("ftp://h/", "/x"),
        ("/relative", "/x"),
        ("https://h", "https://evil.example/x"),
        ("https://h", "//evil.example/x"),
        ("https://h", "/x#frag"),
        ("https://h", "/x\r\nHost: evil"),
    ],
)
def test_join_url_rejects(base: str, path: str) -> None:
    with pytest.raises(InvalidRequest):
        join_url(base, path)


def test_same_origin() -> None:
    assert same_origin("https://h.example/a", "https://H.EXAMPLE:443/b?x=1")
    assert same_origin("http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b")
    assert not same_origin("http://127.0.0.1:8080/a", "http://127.0.0.1:8081/a")
    assert not same_origin("https://h.example", "http://h.example")
    assert not same_origin("https://h.example", "https://h.example.evil.com")
    assert not same_origin("https://h.example:bad", "https://h.example")
    assert not same_origin("not a url", "not a url")


def test_safe_url_masks_credentials() -> None:
    url = (
        "https://user:pw9876@s3.example/f.csv?X-Amz-Signature=abc123"
        "&X-Amz-Credential=AKIA55&page=2&access_token=zz7777"
    )
    clean = safe_url(url)
    for secret in ("abc123", "AKIA55", "zz7777", "pw9876"):
        assert secret not in clean
    assert "page=2" in clean and clean.startswith("https://s3.example/f.csv?")
