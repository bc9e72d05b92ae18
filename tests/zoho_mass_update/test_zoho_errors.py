"""Every documented Zoho error code becomes the right typed error, with Zoho's code,
message and details kept; first as answers the provider reads, then as the
simulator produces them for bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from jobadapter import Hub
from jobadapter.config import Profile
from jobadapter.errors import (
    AuthError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ProviderError,
    RateLimited,
    TransientError,
)
from jobadapter.sandbox import Faults, SandboxServer, SimClock
from jobadapter.transport import Response
from jobadapter_zoho_mass_update import MassUpdateRequest, ZohoProvider
from jobadapter_zoho_mass_update.simulator import (
    NO_SCOPE_REFRESH_TOKEN,
    READ_ONLY_REFRESH_TOKEN,
    ZohoMassUpdateSimulator,
)

ADAPTER = "zoho.mass_update"
PATH = "/crm/v8/Leads/actions/mass_update"

# FACTS.md's list, with the class the issue asks for.
FACTS_CODES = [
    ("MANDATORY_NOT_FOUND", 400, InvalidRequest),
    ("INVALID_DATA", 400, InvalidRequest),
    ("INVALID_REQUEST_METHOD", 400, InvalidRequest),
    ("AUTHORIZATION_FAILED", 400, PermissionDenied),
    ("INVALID_MODULE", 400, InvalidRequest),
    ("NO_RECORDS_FOUND", 400, InvalidRequest),
    ("OAUTH_SCOPE_MISMATCH", 401, AuthError),
    ("NO_PERMISSION", 403, PermissionDenied),
    ("NOT_FOUND", 404, NotFound),
    ("INVALID_URL_PATTERN", 404, NotFound),
    ("INTERNAL_ERROR", 500, TransientError),
    ("TOO_MANY_REQUESTS", 429, RateLimited),
]


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
        data=data,
        method="GET",
        url="https://www.zohoapis.com" + PATH,
    )


@pytest.mark.parametrize(("code", "status", "cls"), FACTS_CODES)
@pytest.mark.parametrize("shape", ["top", "data-list", "data-object"])
def test_every_facts_code_maps_to_its_typed_error(
    code: str, status: int, cls: type[ProviderError], shape: str
) -> None:
    entry = {
        "code": code,
        "details": {"param_name": "job_id"},
        "message": "zoho says no",
        "status": "error",
    }
    body: Any = {"top": entry, "data-list": {"data": [entry]}, "data-object": {"data": entry}}[
        shape
    ]
    headers = {"Retry-After": "7"} if status == 429 else None
    error = ZohoProvider().error_for(answer(status, body, headers), adapter=ADAPTER)
    assert type(error) is cls
    assert error.code == code
    assert error.status == status
    assert error.details == {"param_name": "job_id"}
    # Zoho's words, what they are about, then what to do
    assert error.message.startswith("zoho says no (param_name=job_id): ")
    assert error.adapter == ADAPTER
    if cls is RateLimited:
        assert isinstance(error, RateLimited) and error.retry_after == 7.0


def test_unknown_code_falls_back_to_the_http_status() -> None:
    entry = {
        "code": "RECORD_IN_BLUEPRINT",
        "details": {},
        "message": "The record is in blue print",
        "status": "error",
    }
    error = ZohoProvider().error_for(answer(400, entry))
    assert type(error) is InvalidRequest and error.code == "RECORD_IN_BLUEPRINT"
    assert error.message == "The record is in blue print"
    assert (
        type(ZohoProvider().error_for(answer(503, {"code": "X_DOWN", "status": "error"})))
        is TransientError
    )


def test_error_in_a_2xx_answer() -> None:
    entry = {"code": "INVALID_DATA", "details": {}, "message": "bad", "status": "error"}
    assert type(ZohoProvider().error_for(answer(200, entry))) is InvalidRequest
    # per-record errors inside data are results, not a failed call
    mixed = {
        "data": [
            {"code": "INVALID_DATA", "details": {"id": "1"}, "message": "bad", "status": "error"}
        ]
    }
    assert ZohoProvider().error_for(answer(200, mixed)) is None
    assert ZohoProvider().error_for(answer(200, {"data": [{"Status": "RUNNING"}]})) is None


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (502, b"<html>bad gateway</html>", TransientError),
        (404, b"", NotFound),
        (401, {"error": "whatever"}, AuthError),
        (403, {"message": "no"}, PermissionDenied),
    ],
)
def test_answers_without_a_zoho_error_use_the_status(
    status: int, body: Any, cls: type[ProviderError]
) -> None:
    error = ZohoProvider().error_for(answer(status, body))
    assert type(error) is cls and error.code is None


# -- bad input against the simulator --------------------------------------------------


def _raw(hub: Hub, method: str, path: str = PATH, **kwargs: Any) -> ProviderError:
    """Send ``method path`` through the hub's Zoho connection; return the typed error."""
    with pytest.raises(ProviderError) as caught:
        hub.connection(ADAPTER).request(method, path, adapter=ADAPTER, **kwargs)
    return caught.value


def test_missing_job_id(hub: Hub) -> None:
    error = _raw(hub, "GET")
    assert type(error) is InvalidRequest and error.code == "MANDATORY_NOT_FOUND"
    assert error.details == {"param_name": "job_id"} and error.status == 400


def test_malformed_job_id(hub: Hub) -> None:
    with pytest.raises(InvalidRequest) as caught:
        hub.get(ADAPTER, "Leads:not-a-job")
    assert caught.value.code == "INVALID_DATA"
    assert caught.value.details == {"param_name": "job_id"}
    assert "seems to be invalid" in caught.value.message


def test_unknown_job(hub: Hub) -> None:
    with pytest.raises(NotFound) as caught:
        hub.get(ADAPTER, "Leads:4150868000000999999")
    assert caught.value.code == "NOT_FOUND" and caught.value.status == 404
    assert "Leads" in str(caught.value) or "job id" in str(caught.value)


@pytest.mark.parametrize(
    ("module", "message"),
    [("Widgets", "seems to be invalid"), ("Documents", "not supported in API")],
)
def test_bad_module(hub: Hub, module: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        hub.get(ADAPTER, f"{module}:1")
    assert caught.value.code == "INVALID_MODULE" and message in caught.value.message
    assert caught.value.details == {"resource_path_index": 2}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method(hub: Hub, method: str) -> None:
    error = _raw(hub, method, json={})
    assert type(error) is InvalidRequest and error.code == "INVALID_REQUEST_METHOD"


def test_wrong_url(hub: Hub) -> None:
    error = _raw(hub, "GET", "/crm/v8/Leads/actions/mass_updates", query={"job_id": "1"})
    assert type(error) is NotFound and error.code == "INVALID_URL_PATTERN"
    old = _raw(hub, "GET", "/crm/v1/Leads/actions/mass_update", query={"job_id": "1"})
    assert type(old) is NotFound and old.code == "INVALID_URL_PATTERN"


@pytest.mark.parametrize(
    ("refresh", "verb"), [(NO_SCOPE_REFRESH_TOKEN, "get"), (READ_ONLY_REFRESH_TOKEN, "submit")]
)
def test_scope_mismatch(
    make_hub: Callable[..., Hub],
    make_profile: Callable[..., Profile],
    sim: ZohoMassUpdateSimulator,
    refresh: str,
    verb: str,
) -> None:
    hub = make_hub(make_profile(refresh_token=refresh))
    with pytest.raises(AuthError) as caught:
        if verb == "get":
            hub.get(ADAPTER, "Leads:1")
        else:
            hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="1"))
    assert caught.value.code == "OAUTH_SCOPE_MISMATCH" and caught.value.status == 401
    assert "ZohoCRM.mass_update" in caught.value.message  # says which scope to grant


def test_read_only_scope_may_read(
    make_hub: Callable[..., Hub], make_profile: Callable[..., Profile], sim: ZohoMassUpdateSimulator
) -> None:
    hub = make_hub(make_profile(refresh_token=READ_ONLY_REFRESH_TOKEN))
    with pytest.raises(NotFound):  # past the scope check: the job just does not exist
        hub.get(ADAPTER, "Leads:1")


def test_no_permission(hub: Hub, sim: ZohoMassUpdateSimulator) -> None:
    sim.no_permission.add("Deals")
    with pytest.raises(PermissionDenied) as caught:
        hub.submit(ADAPTER, MassUpdateRequest("Deals", {"Stage": "Won"}, ids=["1"]))
    assert caught.value.code == "NO_PERMISSION" and caught.value.status == 403
    assert caught.value.details == {"permissions": ["Crm_Implied_Mass_Update"]}


def test_authorization_failed(hub: Hub, sim: ZohoMassUpdateSimulator) -> None:
    sim.unprivileged.add("Leads")
    with pytest.raises(PermissionDenied) as caught:
        hub.get(ADAPTER, "Leads:1")
    assert caught.value.code == "AUTHORIZATION_FAILED" and caught.value.status == 400


def test_no_records_found(hub: Hub, sim: ZohoMassUpdateSimulator) -> None:
    sim.add_view("600", records=0)
    with pytest.raises(InvalidRequest) as caught:
        hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="600"))
    assert caught.value.code == "NO_RECORDS_FOUND"
    assert sim.jobs == {}


def test_already_scheduled_answered_with_202(hub: Hub, sim: ZohoMassUpdateSimulator) -> None:
    hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="601"))
    with pytest.raises(InvalidRequest) as caught:
        hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Cold"}, cvid="601"))
    assert caught.value.code == "ALREADY_SCHEDULED" and caught.value.status == 202
    assert "wait for it to finish" in caught.value.message
    assert len(sim.jobs) == 1


@pytest.mark.parametrize(
    ("request_", "code", "api_name"),
    [
        (
            MassUpdateRequest("Leads", {"Rating": "Hot", "Industry": "x"}, cvid="1"),
            "INVALID_DATA",
            "data",
        ),
        (MassUpdateRequest("Leads", {"Email": "a@b.c"}, cvid="1"), "INVALID_DATA", "Email"),
        (MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="abc"), "INVALID_DATA", "cvid"),
        (
            MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="1", territory_id="t-1"),
            "INVALID_DATA",
            "territory",
        ),
    ],
)
def test_body_errors_keep_zoho_details(
    hub: Hub, request_: MassUpdateRequest, code: str, api_name: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        hub.submit(ADAPTER, request_)
    assert caught.value.code == code
    assert caught.value.details["api_name"] == api_name


def test_missing_selector_sent_raw(hub: Hub) -> None:
    error = _raw(hub, "POST", json={"data": [{"Rating": "Hot"}]})
    assert type(error) is InvalidRequest and error.code == "MANDATORY_NOT_FOUND"
    assert error.details == {"api_name": "cvid", "json_path": "$.cvid"}


def test_too_many_requests(
    make_hub: Callable[..., Hub], make_profile: Callable[..., Profile], sim: ZohoMassUpdateSimulator
) -> None:
    sim.rate.limit = 3
    hub = make_hub(make_profile())
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="1"))
    hub.get(ADAPTER, job.id)
    hub.get(ADAPTER, job.id)
    with pytest.raises(RateLimited) as caught:
        hub.get(ADAPTER, job.id)
    assert caught.value.code == "TOO_MANY_REQUESTS" and caught.value.status == 429
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 60


def test_rate_limit_waits_are_honoured_in_simulated_time(
    make_hub: Callable[..., Hub],
    make_profile: Callable[..., Profile],
    sim: ZohoMassUpdateSimulator,
    clock: SimClock,
) -> None:
    sim.rate.limit = 2
    hub = make_hub(make_profile(), attempts=3)  # the transport sleeps by advancing the SimClock
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="1"))
    hub.get(ADAPTER, job.id)
    start = clock.now()
    later = hub.get(ADAPTER, job.id)  # 429 first, then the retry after Retry-After
    assert clock.now() > start
    assert [r.status for r in sim.log if r.method == "GET"][-2:] == [429, 200]
    assert later.id == job.id


def test_internal_error_is_transient(clock: SimClock, make_hub: Callable[..., Hub]) -> None:
    from jobadapter.config import profile_from_mapping

    sim = ZohoMassUpdateSimulator(clock=clock)
    # seed 4: the first drawn server error is a 500 (token requests are never faulted)
    with SandboxServer(sim, faults=Faults(server_error=1.0, seed=4)):
        hub = make_hub(profile_from_mapping("z", sim.profile()))
        with pytest.raises(TransientError) as caught:
            hub.get(ADAPTER, "Leads:1")
    assert caught.value.status == 500
    assert caught.value.code == "INTERNAL_ERROR"
    assert caught.value.retryable


def test_the_one_line_names_what_is_wrong(hub: Hub) -> None:
    with pytest.raises(InvalidRequest) as caught:
        hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Email": "a@b.c"}, cvid="1"))
    line = str(caught.value)
    assert "This field cannot be updated in the Mass Update (api_name=Email" in line
    assert "code INVALID_DATA" in line and "HTTP 400" in line
