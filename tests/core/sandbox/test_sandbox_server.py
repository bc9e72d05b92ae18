"""The loopback server: simulators mounted by name, JSON answers, every request logged."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import urllib3
from jobadapter.sandbox import LoggedRequest, SandboxServer, SimClock, Simulator
from sandbox_items import Items, Other
from werkzeug.routing import Map, Rule
from werkzeug.test import Client

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


def test_concurrent_requests_are_all_logged(sim: Items, pool: urllib3.PoolManager) -> None:
    with SandboxServer(sim) as server, ThreadPoolExecutor(8) as workers:
        statuses = list(
            workers.map(lambda _: pool.request("GET", f"{server.url}/items/1").status, range(24))
        )
    assert statuses == [200] * 24
    assert len(sim.log) == 24
