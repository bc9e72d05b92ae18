"""Each injected fault as a client meets it on the wire, and exempt paths never faulted."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any

import pytest
import urllib3
from jobadapter.sandbox import Faults, SandboxServer, Simulator
from jobadapter.sandbox import faults as faults_module
from sandbox_items import Items, Other
from urllib3.exceptions import ProtocolError


def serve(sim: Simulator, **faults: Any) -> SandboxServer:
    return SandboxServer(sim, faults=Faults(**faults)).start()


# -- faults: on the wire ----------------------------------------------------------------


def test_rate_limit_answers_429_with_reset_headers(sim: Items, pool: urllib3.PoolManager) -> None:
    with serve(sim, rate_limit=1.0, retry_after=2) as server:
        answer = pool.request("GET", f"{server.url}/items/1")
        assert answer.status == 429
        assert answer.headers["Retry-After"] == "2"
        assert answer.headers["RateLimit-Reset"] == "2"
        assert answer.headers["RateLimit-Remaining"] == "0"
        assert answer.json()["error"]["code"] == "TOO_MANY_REQUESTS"
        assert server.injected["rate_limit"] == 1
    assert len(sim.log) == 0  # never reached the simulator


def test_fractional_retry_after_for_fast_tests(sim: Items, pool: urllib3.PoolManager) -> None:
    with serve(sim, rate_limit=1.0, retry_after=0.05) as server:
        assert pool.request("GET", f"{server.url}/items/1").headers["Retry-After"] == "0.05"


def test_server_errors_are_5xx_in_the_provider_shape(pool: urllib3.PoolManager) -> None:
    with serve(Other(), server_error=1.0, seed=1) as server:
        statuses = set()
        for _ in range(12):
            answer = pool.request("GET", f"{server.url}/items/1")
            statuses.add(answer.status)
            assert answer.json()["success"] is False
        assert statuses == {500, 502, 503}


def test_drop_closes_the_connection_after_the_simulator_acted(
    sim: Items, pool: urllib3.PoolManager
) -> None:
    with serve(sim, drop=1.0) as server:
        with pytest.raises(ProtocolError):
            pool.request("POST", f"{server.url}/items", json={"name": "lost answer"})
        assert sim.items["2"]["name"] == "lost answer"
        assert [r.status for r in sim.log] == [201]
        conn = http_client(server)
        conn.request("GET", "/items/1")
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            conn.getresponse()
        conn.close()
        server.faults = Faults()
        assert pool.request("GET", f"{server.url}/items/1").status == 200  # server still fine
        assert server.injected["drop"] == 2


def http_client(server: SandboxServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=3)


def test_truncate_sends_half_the_body_with_the_full_length(
    sim: Items, pool: urllib3.PoolManager
) -> None:
    with serve(sim, truncate=1.0) as server:
        conn = http_client(server)
        conn.request("GET", "/items/1")
        answer = conn.getresponse()
        assert answer.status == 200
        length = int(answer.headers["Content-Length"])
        with pytest.raises(http.client.IncompleteRead) as read:
            answer.read()
        conn.close()
        assert 0 < len(read.value.partial) < length
        with pytest.raises(ValueError):
            json.loads(read.value.partial)
        with pytest.raises(ProtocolError):
            pool.request("GET", f"{server.url}/items/1")


def test_malformed_body_is_not_json(sim: Items, pool: urllib3.PoolManager) -> None:
    with serve(sim, malformed=1.0) as server:
        answer = pool.request("GET", f"{server.url}/items/1")
        assert answer.status == 200
        assert answer.headers["Content-Type"] == "application/json"
        assert int(answer.headers["Content-Length"]) == len(answer.data)
        with pytest.raises(ValueError):
            json.loads(answer.data)


def test_html_error_page(sim: Items, pool: urllib3.PoolManager) -> None:
    with serve(sim, html=1.0) as server:
        answer = pool.request("GET", f"{server.url}/items/1")
        assert answer.status == 502
        assert answer.headers["Content-Type"].startswith("text/html")
        assert answer.data.startswith(b"<html>")


def test_same_seed_same_faults_on_the_wire(pool: urllib3.PoolManager) -> None:
    def outcomes(seed: int) -> list[object]:
        seen: list[object] = []
        with serve(Items(), rate_limit=0.3, server_error=0.3, drop=0.2, seed=seed) as server:
            for _ in range(15):
                try:
                    seen.append(pool.request("GET", f"{server.url}/items/1").status)
                except ProtocolError:
                    seen.append("drop")
        return seen

    first = outcomes(3)
    assert outcomes(3) == first
    assert {404, 429, "drop"} <= set(first)


def test_exempt_paths_are_never_faulted(pool: urllib3.PoolManager) -> None:
    first, second = Items(), Other()
    first.items["1"] = {"id": "1"}
    with SandboxServer(
        first, second, faults=Faults(server_error=1.0, exempt_paths=("/items/items",))
    ) as server:
        assert pool.request("GET", f"{server.url}/items/items/1").status == 200
        assert pool.request("POST", f"{server.url}/other/upload", body=b"abc").json() == {
            "size": 3
        }  # the simulator's own exempt prefix, under its mount
        assert pool.request("GET", f"{server.url}/other/items/1").status in {500, 502, 503}
        assert server.injected == {
            "requests": 1,
            "drop": 0,
            "rate_limit": 0,
            "server_error": 1,
            "html": 0,
            "truncate": 0,
            "malformed": 0,
        }


class _SleepSpy:
    """The ``time`` module as the fault middleware sees it, recording each real sleep."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        time.sleep(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


def test_latency_delays_each_answer(
    sim: Items, pool: urllib3.PoolManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A lower bound on the wall clock only: a loaded machine may make any answer slower,
    # never faster. That no delay is left once the latency is off is shown by the sleeps
    # the middleware takes (really taken, only counted), not by an upper time bound.
    spy = _SleepSpy()
    monkeypatch.setattr(faults_module, "time", spy)
    with serve(sim, latency=0.03) as server:
        for _ in range(2):
            started = time.perf_counter()
            assert pool.request("GET", f"{server.url}/items/1").status == 200
            assert time.perf_counter() - started >= 0.03
        assert spy.slept == [0.03, 0.03]
        server.faults = Faults()
        assert pool.request("GET", f"{server.url}/items/1").status == 200
        assert spy.slept == [0.03, 0.03]
