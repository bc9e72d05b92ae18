"""The sandbox base: simulators, the loopback server and fault injection."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
import pytest
import urllib3
from jobadapter.sandbox import (
    FaultInjector,
    FaultKind,
    Faults,
    LoggedRequest,
    SandboxServer,
    SimClock,
    Simulator,
)
from jobadapter.sandbox import faults as faults_module
from urllib3.exceptions import ProtocolError
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request, Response


class Items(Simulator):
    """Two job-ish routes and an upload target that is never faulted."""

    name = "items"
    exempt_paths = ("/upload",)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.items: dict[str, dict[str, Any]] = {}

    def url_map(self) -> Map:
        return Map(
            [
                Rule("/items", endpoint="create", methods=["POST"]),
                Rule("/items/<item_id>", endpoint="item", methods=["GET"]),
                Rule("/upload", endpoint="upload", methods=["POST"]),
            ]
        )

    def on_create(self, request: Request) -> Response:
        body = self.read_json(request)
        item_id = str(len(self.items) + 1)
        self.items[item_id] = {"id": item_id, "name": body["name"], "at": self.clock.now()}
        return self.json_response(
            {"id": item_id, "href": self.url(f"/items/{item_id}")}, 201, {"X-Item": item_id}
        )

    def on_item(self, request: Request, item_id: str) -> Response:
        if item_id not in self.items:
            raise NotFound(f"no item {item_id}")
        return self.json_response(self.items[item_id])

    def on_upload(self, request: Request) -> Response:
        return self.json_response({"size": len(request.get_data())})


class Other(Items):
    name = "other"

    def error_body(self, status: int, code: str, message: str) -> Any:
        return {"success": False, "reasons": [{"code": status, "message": message}]}


@pytest.fixture
def pool() -> Iterator[urllib3.PoolManager]:
    with urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=3.0)) as pool:
        yield pool


@pytest.fixture
def sim() -> Items:
    sim = Items()
    sim.items["1"] = {"id": "1", "name": "first"}
    return sim


def serve(sim: Simulator, **faults: Any) -> SandboxServer:
    return SandboxServer(sim, faults=Faults(**faults)).start()


# -- server ---------------------------------------------------------------------------


def test_server_serves_on_a_free_loopback_port(sim: Items, pool: urllib3.PoolManager) -> None:
    with SandboxServer(sim) as server, SandboxServer(Items()) as second:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.port > 0 and second.port != server.port
        assert server.url_for(sim) == server.url == sim.base_url
        answer = pool.request("GET", f"{server.url}/items/1")
        assert answer.status == 200
        assert answer.json() == {"id": "1", "name": "first"}
        assert answer.headers["Content-Type"] == "application/json"
    assert not server.running
    assert sim.base_url is None
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url


def test_stop_is_fast_and_frees_the_port(sim: Items) -> None:
    server = SandboxServer(sim).start()
    port = server.port
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    server.stop()  # idempotent


def test_post_json_and_absolute_urls(sim: Items, pool: urllib3.PoolManager) -> None:
    with SandboxServer(sim) as server:
        answer = pool.request("POST", f"{server.url}/items", json={"name": "second"})
        assert answer.status == 201
        assert answer.headers["X-Item"] == "2"
        assert answer.json()["href"] == f"{server.url}/items/2"
        bad = pool.request("POST", f"{server.url}/items", body=b"{nope")
        assert bad.status == 400
        assert bad.json()["error"]["code"] == "MALFORMED_JSON"


def test_two_simulators_are_mounted_by_name(pool: urllib3.PoolManager) -> None:
    first, second = Items(), Other()
    first.items["1"] = {"id": "1"}
    with SandboxServer(first, second) as server:
        assert server.url_for(first) == f"{server.url}/items" == first.base_url
        assert server.url_for("other") == f"{server.url}/other"
        assert pool.request("GET", f"{server.url}/items/items/1").json() == {"id": "1"}
        created = pool.request("POST", f"{server.url}/other/items", json={"name": "x"})
        assert created.json()["href"] == f"{server.url}/other/items/1"
        missing = pool.request("GET", f"{server.url}/other/items/9")
        assert missing.status == 404
        assert missing.json() == {
            "success": False,
            "reasons": [{"code": 404, "message": "no item 9"}],
        }
        nowhere = pool.request("GET", f"{server.url}/nobody/items")
        assert nowhere.status == 404
        assert "/other" in nowhere.json()["error"]["message"]
        assert [r.path for r in second.log] == ["/items", "/items/9"]
    with pytest.raises(ValueError, match="two simulators"):
        SandboxServer(Items(), Items())


def test_unknown_routes_and_methods_answer_json(sim: Items, pool: urllib3.PoolManager) -> None:
    with SandboxServer(sim) as server:
        unknown = pool.request("GET", f"{server.url}/nothing/here")
        assert unknown.status == 404
        assert unknown.json()["error"]["code"] == "NOT_FOUND"
        wrong = pool.request("DELETE", f"{server.url}/items/1")
        assert wrong.status == 405
        assert wrong.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
        assert "GET" in wrong.headers["Allow"]


def test_request_log_records_every_request(sim: Items, pool: urllib3.PoolManager) -> None:
    sim.clock = SimClock(speed=0, start=1_700_000_000)
    with SandboxServer(sim) as server:
        pool.request("GET", f"{server.url}/items/1?verbose=1")
        pool.request("GET", f"{server.url}/items/404", headers={"Authorization": "Bearer s3cr3t"})
    first, second = sim.log
    assert isinstance(first, LoggedRequest)
    assert (first.method, first.path, first.query, first.status) == (
        "GET",
        "/items/1",
        "verbose=1",
        200,
    )
    assert first.time == 1_700_000_000 and first.duration >= 0
    assert (second.path, second.status) == ("/items/404", 404)
    assert "s3cr3t" not in repr(second.headers)
    assert len(sim.log) == 2 and sim.log.where(path="/items/1") == [first]
    sim.log.clear()
    assert len(sim.log) == 0


def test_simulator_works_without_a_server(sim: Items) -> None:
    client = Client(sim)
    answer = client.post("/items", json={"name": "x"})
    assert answer.status_code == 201
    assert answer.get_json()["href"] == "http://localhost/items/2"
    assert sim.profile() == {"provider": "items", "base_url": None}


def test_route_without_handler_is_refused_at_start() -> None:
    class Broken(Simulator):
        name = "broken"

        def url_map(self) -> Map:
            return Map([Rule("/x", endpoint="missing")])

    with pytest.raises(TypeError, match="on_missing"):
        SandboxServer(Broken()).start()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com", ""])
def test_refuses_hosts_that_are_not_loopback(sim: Items, host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        SandboxServer(sim, host=host)


def test_localhost_is_loopback(sim: Items) -> None:
    assert SandboxServer(sim, host="localhost").host == "127.0.0.1"


# -- clock ----------------------------------------------------------------------------


def test_clock_advance_and_frozen_speed() -> None:
    clock = SimClock(speed=0, start=1_000.0)
    assert clock.now() == 1_000.0
    clock.advance(90)
    assert clock.now() == 1_090.0
    assert clock.utcnow() == dt.datetime(1970, 1, 1, 0, 18, 10, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        SimClock(speed=-2)


def test_clock_speed_scales_real_time_without_jumps() -> None:
    clock = SimClock(speed=1000, start=0.0)
    time.sleep(0.005)
    fast = clock.now()
    assert fast >= 5.0
    clock.speed = 0
    frozen = clock.now()
    assert frozen >= fast
    time.sleep(0.002)
    assert clock.now() == frozen
    assert clock.speed == 0
    assert abs(SimClock().now() - time.time()) < 1.0


# -- faults: settings -------------------------------------------------------------------


def test_faults_parse() -> None:
    faults = Faults.parse("rate_limit=0.1, server_error=0.05,seed=3,exempt_paths=/upload|/oauth")
    assert faults == Faults(
        rate_limit=0.1, server_error=0.05, seed=3, exempt_paths=("/upload", "/oauth")
    )
    assert faults.any
    assert Faults.parse("") == Faults()
    assert not Faults().any
    assert Faults(latency=0.1).any


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("rate_limt=0.1", "valid keys: latency, rate_limit"),
        ("rate_limit", "valid keys"),
        ("rate_limit=lots", "not a number"),
        ("drop=1.5", "between 0 and 1"),
        ("drop=0.6,html=0.6", "add up to"),
        ("latency=-1", ">= 0"),
        ("exempt_paths=upload", "starting with '/'"),
    ],
)
def test_faults_parse_refuses_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Faults.parse(spec)


def _requests(n: int) -> list[Request]:
    return [EnvironBuilder(path=f"/items/{i}").get_request() for i in range(n)]


def test_injector_is_deterministic_under_the_seed() -> None:
    faults = Faults(rate_limit=0.2, server_error=0.2, drop=0.1, truncate=0.1, html=0.1, seed=7)
    requests = _requests(200)
    one = [FaultInjector(faults).decide(r) for r in requests[:1]]
    first, second = FaultInjector(faults), FaultInjector(faults)
    a = [first.decide(r) for r in requests]
    b = [second.decide(r) for r in requests]
    assert a == b and a[:1] == one
    other = FaultInjector(attrs_evolve(faults, seed=8))
    assert [other.decide(r) for r in requests] != a
    kinds = {d.kind for d in a if d is not None}
    assert kinds == {
        FaultKind.RATE_LIMIT,
        FaultKind.SERVER_ERROR,
        FaultKind.DROP,
        FaultKind.TRUNCATE,
        FaultKind.HTML,
    }
    assert {d.status for d in a if d is not None and d.kind is FaultKind.SERVER_ERROR} == {
        500,
        502,
        503,
    }
    stats = first.stats()
    assert stats["requests"] == 200
    assert sum(stats[k.value] for k in FaultKind) == sum(d is not None for d in a)
    assert stats["malformed"] == 0
    first.reset()
    assert first.stats()["requests"] == 0
    assert [first.decide(r) for r in requests] == a


def attrs_evolve(faults: Faults, **changes: Any) -> Faults:
    return attrs.evolve(faults, **changes)


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


def test_concurrent_requests_are_all_logged(sim: Items, pool: urllib3.PoolManager) -> None:
    with SandboxServer(sim) as server, ThreadPoolExecutor(8) as workers:
        statuses = list(
            workers.map(lambda _: pool.request("GET", f"{server.url}/items/1").status, range(24))
        )
    assert statuses == [200] * 24
    assert len(sim.log) == 24


def test_simclock_is_a_clock_a_client_can_share() -> None:
    """Frozen, sleeping jumps simulated time; a hub and a simulator can share it."""
    from jobadapter.clock import Clock

    clock = SimClock(speed=0, start=1000.0)
    shared: Clock = clock
    shared.sleep(30)
    shared.sleep(-5)
    assert clock.now() == shared.time() == shared.monotonic() == 1030.0
