"""The simulator on its own: accounts server, progression in simulated time, limits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jobadapter import Hub, JobStatus
from jobadapter.config import profile_from_mapping
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SandboxServer, SimClock, Simulator
from jobadapter.transport import Response, Transport
from jobadapter_zoho_common.sim_state import MAX_LIVE_TOKENS, RateWindow
from jobadapter_zoho_mass_update import MassUpdateRequest
from jobadapter_zoho_mass_update.sim_jobs import SimJob
from jobadapter_zoho_mass_update.simulator import (
    CLIENT_ID,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    ZohoMassUpdateSimulator,
)

PATH = "/crm/v8/Leads/actions/mass_update"


@pytest.fixture
def http() -> Iterator[Transport]:
    with Transport(retry=RetryPolicy(max_attempts=1)) as transport:
        yield transport


def token(http: Transport, url: str, **fields: str) -> Any:
    form = {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH_TOKEN,
        **fields,
    }
    response = http.request("POST", url + "/oauth/v2/token", form=form)
    assert response.status == 200  # Zoho answers refusals with 200 and an "error" key
    return response.json()


def call(
    http: Transport,
    url: str,
    method: str = "GET",
    auth: str | None = None,
    job_id: str | None = None,
    **kwargs: Any,
) -> Response:
    headers = {"Authorization": auth} if auth else {}
    query = f"?job_id={job_id}" if job_id else ""
    return http.request(method, url + PATH + query, headers=headers, **kwargs)


def test_token_answer(server: SandboxServer, sim: ZohoMassUpdateSimulator, http: Transport) -> None:
    answer = token(http, server.url)
    assert answer["api_domain"] == server.url
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 3600
    assert answer["access_token"].startswith("1000.")
    assert "ZohoCRM.mass_update.ALL" in answer["scope"]
    sim.expires_in_ms = True
    legacy = token(http, server.url)
    assert (legacy["expires_in_sec"], legacy["expires_in"]) == (3600, 3_600_000)


def test_token_fields_in_the_query_string(server: SandboxServer, http: Transport) -> None:
    query = f"?grant_type=refresh_token&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}&refresh_token={REFRESH_TOKEN}"
    answer = http.request("POST", server.url + "/oauth/v2/token" + query).json()
    assert "access_token" in answer


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"refresh_token": "1000.nope"}, "invalid_code"),
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
    ],
)
def test_token_refusals(
    server: SandboxServer, http: Transport, fields: dict[str, str], error: str
) -> None:
    assert token(http, server.url, **fields) == {"error": error}


def test_token_endpoint_takes_post_only(server: SandboxServer, http: Transport) -> None:
    assert http.request("GET", server.url + "/oauth/v2/token").status == 405


def test_live_tokens_are_capped_per_refresh_token(
    server: SandboxServer, sim: ZohoMassUpdateSimulator, http: Transport
) -> None:
    first = token(http, server.url)["access_token"]
    for _ in range(MAX_LIVE_TOKENS):
        token(http, server.url)
    assert sim.tokens.live(REFRESH_TOKEN) == MAX_LIVE_TOKENS
    refused = call(http, server.url, auth=f"Zoho-oauthtoken {first}", job_id="1")
    assert refused.status == 401 and refused.json()["code"] == "INVALID_TOKEN"


@pytest.mark.parametrize(
    ("auth", "code"),
    [
        (None, "AUTHENTICATION_FAILURE"),
        ("Bearer {token}", "INVALID_TOKEN"),
        ("Zoho-oauthtoken 1000.forged", "INVALID_TOKEN"),
    ],
)
def test_api_refuses_bad_authorization(
    server: SandboxServer, http: Transport, auth: str | None, code: str
) -> None:
    access = token(http, server.url)["access_token"]
    response = call(http, server.url, auth=auth.format(token=access) if auth else None, job_id="1")
    assert response.status == 401
    assert response.json() == {
        "code": code,
        "details": {},
        "message": response.json()["message"],
        "status": "error",
    }


def test_raw_body_errors(server: SandboxServer, http: Transport) -> None:
    auth = "Zoho-oauthtoken " + token(http, server.url)["access_token"]

    def post(body: Any) -> tuple[int, str, Any]:
        kwargs: dict[str, Any] = {"body": body} if isinstance(body, bytes) else {"json": body}
        if isinstance(body, bytes):
            kwargs["headers"] = {"Authorization": auth, "Content-Type": "application/json"}
            response = http.request("POST", server.url + PATH, **kwargs)
        else:
            response = call(http, server.url, "POST", auth=auth, **kwargs)
        answer = response.json()
        return response.status, answer["code"], answer["details"]

    assert post(b"{not json") == (400, "INVALID_DATA", {"api_name": "body", "json_path": "$.body"})
    assert post({"cvid": "1"})[:2] == (400, "MANDATORY_NOT_FOUND")
    assert post({"data": [{}], "cvid": "1"})[:2] == (400, "INVALID_DATA")
    assert post({"data": [{"A": 1}], "cvid": "1", "ids": ["2"]})[:2] == (400, "INVALID_DATA")
    assert post({"data": [{"A": 1}], "territory": {"id": "1"}, "ids": ["2"]})[:2] == (
        400,
        "MANDATORY_NOT_FOUND",
    )
    assert post({"data": [{"A": 1}], "territory": {"id": "1"}})[:2] == (400, "MANDATORY_NOT_FOUND")
    assert post({"data": [{"A": 1}], "ids": [1, 2]})[:2] == (400, "INVALID_DATA")
    assert post({"data": [{"A": 1}], "ids": []})[:2] == (400, "MANDATORY_NOT_FOUND")
    assert post({"data": [{"A": 1}], "ids": [str(i) for i in range(501)]}) == (
        400,
        "LIMIT_EXCEEDED",
        {"limit": 500},
    )
    assert post({"data": [{"A": 1}], "cvid": "1", "over_write": "yes"})[:2] == (400, "INVALID_DATA")


def test_deals_take_three_fields(hub: Hub, sim: ZohoMassUpdateSimulator) -> None:
    job = hub.submit(
        "zoho.mass_update", MassUpdateRequest("Deals", {"A": 1, "B": 2, "C": 3}, ids=["1"])
    )
    assert job.status is JobStatus.SUCCEEDED


def test_progression_in_simulated_time() -> None:
    job = SimJob("1", "Leads", "9", total=20, failing=5, created=1000.0)
    seen = [
        job.snapshot(1000.0 + t, delay=2.0, rate=4.0) for t in (0, 1.9, 2.0, 3.0, 5.0, 6.9, 7.0, 99)
    ]
    assert [s["Status"] for s in seen] == [
        "SCHEDULED", "SCHEDULED", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "COMPLETED", "COMPLETED",
    ]  # fmt: skip
    for state in seen:
        parts = [
            int(str(state[key])) for key in ("Updated_Count", "Failed_Count", "Not_Updated_Count")
        ]
        assert sum(parts) == state["Total_Count"] == 20
    assert seen[-1] == {
        "Status": "COMPLETED",
        "Failed_Count": 5,
        "Updated_Count": 15,
        "Not_Updated_Count": 0,
        "Total_Count": 20,
    }
    failed = SimJob("2", "Leads", "9", total=4, failing=4, created=0.0).snapshot(
        100, delay=1, rate=1
    )
    assert failed["Status"] == "FAILED" and failed["Failed_Count"] == 4


def test_rate_window_resets() -> None:
    clock = SimClock(speed=0, start=600.0)
    window = RateWindow(clock, limit=2, seconds=60)
    assert window.admit() is None and window.admit() is None
    assert window.admit() == 60.0
    clock.advance(59)
    assert window.admit() == 1.0
    clock.advance(1)
    assert window.admit() is None
    assert RateWindow(clock, limit=None, seconds=1).admit() is None
    with pytest.raises(ValueError):
        RateWindow(clock, limit=0, seconds=1)


def test_rate_limit_off(
    server: SandboxServer, sim: ZohoMassUpdateSimulator, http: Transport
) -> None:
    sim.rate.limit = None
    auth = "Zoho-oauthtoken " + token(http, server.url)["access_token"]
    statuses = {call(http, server.url, auth=auth, job_id="1").status for _ in range(120)}
    assert statuses == {404}


def test_already_scheduled_ends_with_the_job(
    hub: Hub, sim: ZohoMassUpdateSimulator, clock: SimClock
) -> None:
    request = MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="31")
    first = hub.submit("zoho.mass_update", request)
    clock.advance(sim.schedule_delay + 50 / sim.records_per_second)
    assert hub.get("zoho.mass_update", first.id).status is JobStatus.SUCCEEDED
    second = hub.submit("zoho.mass_update", request)
    assert second.id != first.id
    # a different module's view with the same id is a different view
    assert (
        hub.submit("zoho.mass_update", MassUpdateRequest("Contacts", {"A": 1}, cvid="31")).status
        is JobStatus.PENDING
    )


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        ZohoMassUpdateSimulator(records_per_second=0)
    sim = ZohoMassUpdateSimulator()
    with pytest.raises(ValueError):
        sim.add_view("1", records=3, failing=4)


class _Other(Simulator):
    name = "other"


def test_served_next_to_another_simulator(clock: SimClock) -> None:
    sim = ZohoMassUpdateSimulator(clock=clock)
    with SandboxServer(sim, _Other(clock=clock)) as server:
        profile = sim.profile()
        assert profile["base_url"] == server.url + "/zoho_mass_update"
        transport = Transport(retry=RetryPolicy(max_attempts=1))
        with Hub(profiles=[profile_from_mapping("z", profile)], load_entrypoints=False, transport=transport,
                 plugins=[__import__("jobadapter_zoho_common.plugin", fromlist=["_"]),
                          __import__("jobadapter_zoho_mass_update.plugin", fromlist=["_"])]) as hub:  # fmt: skip
            job = hub.submit("zoho.mass_update", MassUpdateRequest("Leads", {"A": 1}, cvid="5"))
            clock.advance(30)
            assert hub.get("zoho.mass_update", job.id).status is JobStatus.SUCCEEDED
        answer = json.loads(transport.request("POST", profile["accounts_url"] + "/oauth/v2/token", form={
            "grant_type": "refresh_token", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN}).data)  # fmt: skip
        assert answer["api_domain"] == server.url + "/zoho_mass_update"


def test_too_many_requests_under_concurrent_load(
    server: SandboxServer, sim: ZohoMassUpdateSimulator, http: Transport
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sim.rate.limit = 10
    auth = "Zoho-oauthtoken " + token(http, server.url)["access_token"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: call(http, server.url, auth=auth, job_id="1"), range(25)))
    statuses = sorted(a.status for a in answers)
    assert statuses == [404] * 10 + [429] * 15  # the window admits exactly its limit
    limited = next(a for a in answers if a.status == 429)
    assert limited.json()["code"] == "TOO_MANY_REQUESTS"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60  # until the window resets
