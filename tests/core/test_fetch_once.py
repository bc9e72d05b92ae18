"""Per-request work done once: the JSON of an answer, a hub's adapter instances,
a connection's static headers. Each must be a pure speed-up (same results)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from jobadapter import Hub
from jobadapter.adapter import Adapter
from jobadapter.config import Profile
from jobadapter.connection import Connection
from jobadapter.errors import ConfigError, ProviderResponseError
from jobadapter.hookspecs import hookimpl
from jobadapter.model import Job
from jobadapter.provider import Provider
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable
from jobadapter.transport import Response, Transport


class EchoAdapter(Adapter):
    name = "echo.once"
    provider = "generic"
    statuses = StatusTable({JobStatus.SUCCEEDED: ("done",)}, owner=name)
    capabilities = frozenset({"get"})

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        return Job(adapter=self.name, id=str(job_id), status=JobStatus.SUCCEEDED, raw=payload)

    def get(self, conn: Connection, job_id: str) -> Job:
        return self.parse(conn.get_json(f"/jobs/{job_id}"), job_id=job_id)


class EchoPlugin:
    JOBADAPTER_API_VERSION = "1.0"

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        register(EchoAdapter)


def answer(data: bytes, status: int = 200) -> Response:
    return Response(
        status=status,
        headers={"Content-Type": "application/json"},
        data=data,
        method="GET",
        url="http://127.0.0.1/x",
    )


def test_response_json_is_decoded_once(json_decodes: mock.MagicMock) -> None:
    response = answer(b'{"a": [1, 2]}')
    first = response.json()
    assert response.json() is first
    assert json_decodes.call_count == 1
    assert first == {"a": [1, 2]}
    # the memo is not part of the answer: equality and repr are as before
    assert response == answer(b'{"a": [1, 2]}')
    assert "_json" not in repr(response)


def test_response_json_errors_are_raised_every_time() -> None:
    response = answer(b'{"a": ', status=200)
    for _ in range(2):
        with pytest.raises(ProviderResponseError, match="truncated JSON"):
            response.json()


class CountingProvider(Provider):
    """Counts how often a connection asks for the default headers."""

    def __init__(self) -> None:
        self.calls = 0

    def default_headers(self, profile: Profile) -> dict[str, str]:
        self.calls += 1
        if profile.options.get("bad"):
            raise ConfigError("bad header option")
        return {"Accept": "application/json", "X-Version": str(profile.options.get("v", 1))}


class RecordingTransport(Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, dict[str, str]]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        self.sent.append((url, dict(kwargs["headers"])))
        return answer(b"{}")


def test_default_headers_are_built_once_and_again_when_the_profile_changes() -> None:
    options: dict[str, Any] = {"v": 1}
    headers = {"X-Team": "a"}
    profile = Profile(
        name="p",
        provider="generic",
        base_url="http://h",
        headers=headers,
        options=options,
        secrets={"token": "tok-1234"},
    )
    provider, transport = CountingProvider(), RecordingTransport()
    conn = Connection(profile=profile, provider=provider, transport=transport)
    conn.request("GET", "/a")
    conn.request("GET", "/b", headers={"X-Call": "1"})
    assert provider.calls == 1
    assert transport.sent[1][1] == {
        "Accept": "application/json",
        "X-Version": "1",
        "X-Team": "a",
        "X-Call": "1",
        "Authorization": "Bearer tok-1234",
    }
    assert "X-Call" not in conn.static_headers  # a call's own headers stay its own
    options["v"], headers["X-Team"] = 2, "b"  # edited in place: seen on the next request
    conn.request("GET", "/c")
    assert provider.calls == 2
    assert transport.sent[2][1]["X-Version"] == "2" and transport.sent[2][1]["X-Team"] == "b"
    options["v"] = 2.0  # equal to 2, but str() makes another header of it
    assert conn.static_headers["X-Version"] == "2.0"
    options["bad"] = True
    for _ in range(2):  # a refused setting is refused on every request, never remembered
        with pytest.raises(ConfigError, match="bad header option"):
            conn.request("GET", "/d")


def test_hub_keeps_one_adapter_instance_per_profile() -> None:
    profile = Profile(name="local", provider="generic", base_url="http://127.0.0.1:9")
    hub = Hub(load_entrypoints=False, plugins=[EchoPlugin()], profiles=[profile])
    one = hub._adapter_for("echo.once", hub.connection("echo.once").profile)
    assert hub._adapter_for("echo.once", profile) is one
    assert isinstance(one, EchoAdapter)
    # the public call still gives a fresh instance
    assert hub.adapter("echo.once", profile="local") is not one
    replaced = Profile(
        name="local", provider="generic", base_url="http://127.0.0.1:9", timezone="Europe/Paris"
    )
    hub.add_profile(replaced)
    other = hub._adapter_for("echo.once", hub.connection("echo.once").profile)
    assert other is not one and str(other.timezone) == "Europe/Paris"
