"""A whole tracker against a stub transport whose status answers say the rate-limit
window is spent: one request per window, deadlines kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jobadapter import Adapter, Job, JobStatus, Profile, StatusTable, hookimpl
from jobadapter.clock import FakeClock
from jobadapter.connection import Connection
from jobadapter.hub import Hub
from jobadapter.transport import Response


class StubTransport:
    """Answers every GET with a canned status body and rate-limit headers."""

    def __init__(self, clock: FakeClock, headers: dict[str, str]) -> None:
        self.clock = clock
        self.headers = headers
        self.kwargs: list[dict[str, Any]] = []
        self.times: list[float] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        self.kwargs.append(kwargs)
        self.times.append(self.clock.time())
        job_id = url.rsplit("/", 1)[-1]
        body = json.dumps({"id": job_id, "state": "busy"}).encode()
        return Response(
            status=200,
            headers={"Content-Type": "application/json", **self.headers},
            data=body,
            method=method,
            url=url,
        )

    def close(self) -> None:
        pass


class HttpAdapter(Adapter):
    name = "stub.job"
    provider = "generic"
    statuses = StatusTable(
        {JobStatus.RUNNING: ("busy",), JobStatus.SUCCEEDED: ("done",)}, owner=name
    )
    capabilities = frozenset({"get"})

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        body = self.require_mapping(payload)
        return Job(
            adapter=self.name,
            id=self.job_id_from(body.get("id"), job_id, "id"),
            status=self.status_of(body.get("state")),
        )

    def get(self, conn: Connection, job_id: str) -> Job:
        return self.parse(conn.get_json(f"/jobs/{job_id}", adapter=self.name), job_id=job_id)


class HttpPlugin:
    JOBADAPTER_API_VERSION = "1.0"

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        register(HttpAdapter)


def test_rate_limit_headers_of_status_answers_slow_the_tracker() -> None:
    clock = FakeClock()
    transport = StubTransport(
        clock, {"RateLimit-Limit": "100", "RateLimit-Remaining": "0", "RateLimit-Reset": "20"}
    )
    profile = Profile(
        name="p",
        provider="generic",
        base_url="https://api.stub.test",
        secrets={"token": "tok-123456"},
    )
    hub = Hub(
        load_entrypoints=False,
        plugins=[HttpPlugin()],
        profiles=[profile],
        clock=clock,
        transport=transport,
    )  # type: ignore[arg-type]
    tracker = hub.tracker(workers=0)
    tracker.extend([("stub.job", "1"), ("stub.job", "2")], deadline=70)
    start = clock.time()

    result = tracker.run()

    # Every answer said the window is spent for 20 s: one request per window,
    # whichever job it is for; a job still waiting for the budget at its
    # deadline ends its watch on time, without one more request.
    assert [t - start for t in transport.times] == [0.0, 20.0, 40.0, 60.0]
    assert len(result.deadlines) == 2
    assert clock.time() - start == 70.0
    assert tracker.lanes()["p"].host.slowdowns == 4
    # The adapter's requests went through the hub's transport, with a retry hook.
    assert all(callable(kw.get("on_retry")) for kw in transport.kwargs)
    # And the tracker's connection shares the hub connection's credentials.
    hub_conn = hub.connection("stub.job", "p")
    assert hub_conn.credentials is tracker._routes.route("stub.job", None).conn.credentials
