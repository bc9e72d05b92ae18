"""Hub: profiles, adapters and a verb end to end through the generic provider."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from jobadapter import (
    Adapter,
    AuthError,
    ConfigError,
    Hub,
    Job,
    JobStatus,
    NotFound,
    NotSupported,
    Profile,
    StatusTable,
    UnknownAdapter,
    hookimpl,
)
from jobadapter.connection import Connection
from jobadapter.urls import path_segment
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class EchoAdapter(Adapter):
    name = "echo.job"
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
            native_status=body.get("state"),
            raw=payload,
        )

    def get(self, conn: Connection, job_id: str) -> Job:
        return self.parse(
            conn.get_json(f"/jobs/{path_segment(job_id)}", adapter=self.name), job_id=job_id
        )


class EchoPlugin:
    JOBADAPTER_API_VERSION = "1.0"

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        register(EchoAdapter)


@pytest.fixture
def server() -> Iterator[tuple[str, list[Request]]]:
    seen: list[Request] = []

    @Request.application  # type: ignore[misc]
    def app(request: Request) -> Response:
        seen.append(request)
        if request.headers.get("Authorization") != "Bearer tok-abcdef":
            return Response(
                json.dumps({"error": "bad token"}), status=401, content_type="application/json"
            )
        if request.path == "/jobs/missing":
            return Response("{}", status=404, content_type="application/json")
        raw = request.environ.get("RAW_URI", request.path).split("?")[0]
        body = {"id": unquote(raw.rsplit("/", 1)[-1]), "state": "done"}  # the id as sent
        return Response(json.dumps(body), content_type="application/json")

    srv = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}", seen
    srv.shutdown()


def hub_for(url: str, token: str = "tok-abcdef") -> Hub:
    profile = Profile(name="local", provider="generic", base_url=url, secrets={"token": token})
    return Hub(load_entrypoints=False, plugins=[EchoPlugin()], profiles=[profile])


def test_get_through_the_hub(server: tuple[str, list[Request]]) -> None:
    url, seen = server
    with hub_for(url) as hub:
        job = hub.get("echo.job", "42")
    assert job.status is JobStatus.SUCCEEDED and job.id == "42"
    assert (
        seen[-1].headers["Accept-Encoding"].startswith("gzip")
        or "gzip" in seen[-1].headers["Accept-Encoding"]
    )


def test_a_profile_replaced_by_name_is_used_on_the_next_call(
    server: tuple[str, list[Request]],
) -> None:
    """The hub remembers what a verb resolved to only while that profile, adapter
    class and connection are still the hub's: a new profile takes effect at once."""
    url, seen = server
    with hub_for(url) as hub:
        hub.get("echo.job", "1", profile="local")
        hub.get("echo.job", "1", profile="local")  # answered from what was resolved
        assert seen[-1].headers.get("X-Tenant") is None
        hub.add_profile(
            Profile(
                name="local",
                provider="generic",
                base_url=url,
                secrets={"token": "tok-abcdef"},
                headers={"X-Tenant": "t2"},
            )
        )
        hub.get("echo.job", "1", profile="local")
        assert seen[-1].headers.get("X-Tenant") == "t2"
        hub.add_profile(Profile(name="local", provider="generic", base_url=url))  # no token
        with pytest.raises(ConfigError, match="needs 'token'"):
            hub.get("echo.job", "1", profile="local")


def test_job_id_is_one_path_segment(server: tuple[str, list[Request]]) -> None:
    url, seen = server
    with hub_for(url) as hub:
        hub.get("echo.job", "a/b?c#d")
    assert (
        seen[-1].environ["RAW_URI"].startswith("/jobs/a%2Fb%3Fc%23d")
        or seen[-1].path == "/jobs/a/b?c#d"
    )


def test_typed_errors(server: tuple[str, list[Request]]) -> None:
    url, _ = server
    with hub_for(url) as hub, pytest.raises(NotFound):
        hub.get("echo.job", "missing")
    with hub_for(url, token="wrong-token") as hub, pytest.raises(AuthError) as info:
        hub.get("echo.job", "1")
    assert "wrong-token" not in str(info.value)


def test_unknown_adapter_and_unsupported_verb(server: tuple[str, list[Request]]) -> None:
    url, _ = server
    with hub_for(url) as hub:
        with pytest.raises(UnknownAdapter, match="echo.job"):
            hub.adapter("nope.none")
        with pytest.raises(NotSupported, match="echo.job does not support 'cancel'"):
            hub.cancel("echo.job", "1")


def test_profile_resolution() -> None:
    a = Profile(name="a", provider="generic", base_url="http://127.0.0.1:1")
    b = Profile(name="b", provider="generic", base_url="http://127.0.0.1:2")
    hub = Hub(load_entrypoints=False, plugins=[EchoPlugin()], profiles=[a, b])
    with pytest.raises(ConfigError, match="several 'generic' profiles"):
        hub.connection("echo.job")
    assert hub.connection("echo.job", "b").profile is b
    with pytest.raises(ConfigError, match="no profile named 'c'"):
        hub.connection("echo.job", "c")
    other = Profile(name="z", provider="zuora", base_url="http://127.0.0.1:3")
    hub.add_profile(other)
    with pytest.raises(ConfigError, match="is for provider 'zuora'"):
        hub.connection("echo.job", "z")


def test_hubs_share_no_state() -> None:
    one = Hub(load_entrypoints=False, plugins=[EchoPlugin()])
    two = Hub(load_entrypoints=False)
    assert "echo.job" in one.adapters() and "echo.job" not in two.adapters()


class SubmitAdapter(EchoAdapter):
    name = "echo.submit"
    capabilities = frozenset({"get", "submit"})

    def submit(self, conn: Connection, request: Any) -> Job:
        return Job(adapter=self.name, id="new-1", status=JobStatus.PENDING)


class Recorder:
    JOBADAPTER_API_VERSION = "1.0"

    def __init__(self) -> None:
        self.events: list[Any] = []

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        register(SubmitAdapter)

    @hookimpl
    def job_changed(self, event: Any) -> None:
        self.events.append(event)


def test_submit_tells_the_job_changed_hook() -> None:
    recorder = Recorder()
    profile = Profile(
        name="local",
        provider="generic",
        base_url="http://127.0.0.1:9",
        secrets={"token": "tok-abcdef"},
    )
    hub = Hub(load_entrypoints=False, plugins=[recorder], profiles=[profile])
    job = hub.submit("echo.submit", {"x": 1})
    (event,) = recorder.events
    assert event.kind.value == "submitted" and event.job == job and event.profile == "local"
