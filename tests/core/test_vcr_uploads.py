"""Uploads in cassettes: a multipart body matches on its parts, whatever its boundary
and however its zip was timed; a different upload does not match."""

from __future__ import annotations

import io
import zipfile

import pytest
import urllib3
from jobadapter.testing.matching import multipart_parts, upload_body
from jobadapter.testing.scrub import scrub_request
from vcr.request import Request


def _zip(data: bytes, when: tuple[int, int, int, int, int, int]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("rows.csv", date_time=when), data)
    return out.getvalue()


def _upload(csv: bytes, when: tuple[int, int, int, int, int, int]) -> Request:
    body, content_type = urllib3.encode_multipart_formdata(
        {"file": ("rows.zip", _zip(csv, when), "application/zip"), "note": "x"}
    )
    request = Request(
        "POST", "http://127.0.0.1:8/crm/v8/upload", body, {"Content-Type": content_type}
    )
    return scrub_request(request)


def test_the_same_upload_matches_across_boundaries_and_zip_times() -> None:
    recorded = _upload(b"a,b\n1,2\n", (2024, 1, 1, 0, 0, 0))
    replayed = _upload(b"a,b\n1,2\n", (2026, 12, 4, 15, 0, 0))
    assert recorded.body != replayed.body  # the bytes differ (zip time) ...
    upload_body(recorded, replayed)  # ... the parts do not


def test_a_different_upload_does_not_match() -> None:
    recorded = _upload(b"a,b\n1,2\n", (2024, 1, 1, 0, 0, 0))
    other = _upload(b"a,b\n1,3\n", (2024, 1, 1, 0, 0, 0))
    with pytest.raises(AssertionError, match="parts"):
        upload_body(recorded, other)


def test_parts_are_read_with_their_names_and_types() -> None:
    body, content_type = urllib3.encode_multipart_formdata(
        {"file": ("rows.csv", b"a\n1\n", "text/csv"), "params": '{"k": 1}'}
    )
    parts = multipart_parts(body, content_type)
    assert parts == [
        ("file", "rows.csv", "text/csv", b"a\n1\n"),
        ("params", None, None, b'{"k": 1}'),
    ]


def test_other_bodies_match_as_vcrpy_does() -> None:
    one = Request("POST", "http://x/y", b'{"a": 1}', {"Content-Type": "application/json"})
    two = Request("POST", "http://x/y", b'{"a":1}', {"Content-Type": "application/json"})
    upload_body(one, two)
    with pytest.raises(AssertionError):
        upload_body(
            one, Request("POST", "http://x/y", b'{"a": 2}', {"Content-Type": "application/json"})
        )
