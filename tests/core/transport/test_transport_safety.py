"""Safety: header injection and bad URLs refused before sending, no secret in logs or
repr, one transport shared by threads."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from jobadapter.errors import InvalidRequest
from scriptserver import Server
from transport_setup import SECRET, json_response, make_transport
from werkzeug.wrappers import Response as WResponse


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
