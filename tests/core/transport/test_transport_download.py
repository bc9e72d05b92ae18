"""Downloads into a file: streamed and decoded, capped, rewound on a retry, and
credentials dropped on a cross-host redirect."""

from __future__ import annotations

import io

import pytest
from jobadapter.errors import NotFound, ProviderResponseError
from rawserver import RawServer
from scriptserver import Server
from transport_setup import (
    SECRET,
    full_answer,
    gzip_response,
    make_transport,
    redirect_to,
    reset_mid_body,
)
from werkzeug.wrappers import Response as WResponse


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
