"""Redirects: credentials dropped on a cross-host hop, methods kept or turned into GET,
loops stopped."""

from __future__ import annotations

import pytest
from jobadapter.errors import ProviderResponseError
from scriptserver import Server
from transport_setup import SECRET, make_transport, redirect_to
from werkzeug.wrappers import Response as WResponse


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
