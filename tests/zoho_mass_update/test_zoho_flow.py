"""End to end against the simulator: both submit modes, polling, tokens, job ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jobadapter_zoho_mass_update.plugin as zoho_plugin
import pytest
from jobadapter import Hub, JobStatus
from jobadapter.config import Profile
from jobadapter.errors import AuthError, InvalidRequest, NotFound, NotSupported
from jobadapter.model import Job
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.serialize import from_dict, to_dict
from jobadapter_zoho_mass_update import MassUpdateRequest
from jobadapter_zoho_mass_update.simulator import (
    CLIENT_ID,
    REFRESH_TOKEN,
    ZohoMassUpdateSimulator,
)

ADAPTER = "zoho.mass_update"
Finish = Callable[..., list[Job]]


def _counts(job: Job) -> tuple[Any, ...]:
    c = job.counts
    return (c.total, c.processed, c.succeeded, c.failed)


def test_cvid_update_runs_to_completion(
    hub: Hub, sim: ZohoMassUpdateSimulator, finish: Finish
) -> None:
    sim.add_view("4150868000000087001", records=40, failing=4)
    job = hub.submit(
        ADAPTER,
        MassUpdateRequest("Leads", {"Lead_Status": "Contacted"}, cvid="4150868000000087001"),
    )
    assert job.status is JobStatus.PENDING
    assert job.id.startswith("Leads:") and job.id.split(":")[1] in sim.jobs
    assert job.target == "Leads"
    seen = finish(hub, job, step=1.0)
    statuses = [j.status for j in seen]
    assert statuses[0] is JobStatus.PENDING and statuses[-1] is JobStatus.SUCCEEDED
    assert JobStatus.RUNNING in statuses
    processed = [j.counts.processed or 0 for j in seen[1:]]
    assert processed == sorted(processed) and len(set(processed)) > 2  # counts move
    final = seen[-1]
    assert _counts(final) == (40, 40, 36, 4)
    assert final.native_status == "COMPLETED" and final.has_row_failures
    assert final.raw["data"][0]["Not_Updated_Count"] == 0
    assert from_dict(to_dict(final)) == final


def test_cvid_update_where_every_record_fails(
    hub: Hub, sim: ZohoMassUpdateSimulator, finish: Finish
) -> None:
    job = hub.submit(ADAPTER, MassUpdateRequest("Deals", {"Stage": "FAIL-ME"}, cvid="77"))
    final = finish(hub, job, step=2.0)[-1]
    assert final.status is JobStatus.FAILED
    assert _counts(final) == (50, 50, 0, 50)  # a default view holds 50 records


def test_cvid_with_territory_reaches_the_simulator_as_documented(
    hub: Hub, sim: ZohoMassUpdateSimulator
) -> None:
    request = MassUpdateRequest(
        "Accounts", {"Industry": "Education"}, cvid="5", territory_id="9", include_child=True
    )
    hub.submit(ADAPTER, request)
    assert sim.received[-1] == (
        "Accounts",
        {
            "data": [{"Industry": "Education"}],
            "cvid": "5",
            "territory": {"id": "9", "include_child": True},
        },
    )


def test_ids_update_returns_its_immediate_result(hub: Hub, sim: ZohoMassUpdateSimulator) -> None:
    job = hub.submit(
        ADAPTER,
        MassUpdateRequest(
            "Deals",
            {"Stage": "Closed Won"},
            ids=["4150868000000100001", "4150868000000FAIL2", "4150868000000100003"],
            over_write=True,
        ),
    )
    assert job.is_terminal and job.status is JobStatus.SUCCEEDED
    assert _counts(job) == (3, 3, 2, 1)
    assert [e.message for e in job.errors] == [
        "record 4150868000000FAIL2: the id given seems to be invalid"
    ]
    assert job.id.startswith("Deals:immediate-")
    assert job.submitted_by == "Sandbox User" and job.ended_at is not None
    assert sim.jobs == {}  # nothing was scheduled
    # no Zoho job behind it: get says so without asking Zoho
    before = len(sim.log)
    with pytest.raises(NotFound, match="ids-mode"):
        hub.get(ADAPTER, job.id)
    assert len(sim.log) == before


def test_ids_update_where_every_record_fails(hub: Hub) -> None:
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "FAIL"}, ids=["1", "2"]))
    assert job.status is JobStatus.FAILED  # Zoho answers HTTP 400 with the per-record errors
    assert _counts(job) == (2, 2, 0, 2)
    assert {e.code for e in job.errors} == {"INVALID_DATA"}
    assert job.errors[0].message == "record 1: invalid data (field Rating)"


def test_501_ids_are_refused_before_sending(hub: Hub, sim: ZohoMassUpdateSimulator) -> None:
    with pytest.raises(InvalidRequest, match="at most 500"):
        hub.submit(
            ADAPTER, {"module": "Leads", "data": {"A": "1"}, "ids": [str(i) for i in range(501)]}
        )
    assert len(sim.log) == 0  # not even a token request


def test_submit_takes_a_mapping_or_cli_options(hub: Hub, sim: ZohoMassUpdateSimulator) -> None:
    adapter = hub.adapter(ADAPTER)
    job = hub.submit(
        ADAPTER,
        adapter.request_from_options({"module": "Leads", "cvid": "3", "set": ["Rating=Hot"]}),
    )
    assert job.status is JobStatus.PENDING
    with pytest.raises(InvalidRequest, match="MassUpdateRequest or a mapping"):
        hub.submit(ADAPTER, ["Leads"])


def test_single_object_answers(
    make_hub: Callable[..., Hub],
    make_profile: Callable[..., Profile],
    sim: ZohoMassUpdateSimulator,
    finish: Finish,
) -> None:
    sim.single_object_answers = True
    hub = make_hub(make_profile())
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="8"))
    assert finish(hub, job, step=3.0)[-1].status is JobStatus.SUCCEEDED
    one = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, ids=["1"]))
    assert _counts(one) == (1, 1, 1, 0)


def test_api_version_from_profile(
    make_hub: Callable[..., Hub], make_profile: Callable[..., Profile], sim: ZohoMassUpdateSimulator
) -> None:
    hub = make_hub(make_profile(api_version="v2.1"))
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="8"))
    hub.get(ADAPTER, job.id)
    assert {r.path for r in sim.log if r.path.startswith("/crm/")} == {
        "/crm/v2.1/Leads/actions/mass_update"
    }


# -- job ids and modules -------------------------------------------------------------


def test_bare_job_id_uses_the_profile_module(
    make_hub: Callable[..., Hub], make_profile: Callable[..., Profile], sim: ZohoMassUpdateSimulator
) -> None:
    hub = make_hub(make_profile(module="Leads"))
    job = hub.submit(
        ADAPTER, MassUpdateRequest(None, {"Rating": "Hot"}, cvid="8")
    )  # module from profile
    assert job.id.startswith("Leads:")
    native = job.id.split(":", 1)[1]
    bare = hub.get(ADAPTER, native)
    assert bare.id == native and bare.target == "Leads" and bare.status is JobStatus.PENDING
    # a composed id names its own module, whatever the profile says
    assert hub.get(ADAPTER, job.id).id == job.id


def test_bare_job_id_without_a_module_says_what_to_do(
    hub: Hub, sim: ZohoMassUpdateSimulator
) -> None:
    with pytest.raises(InvalidRequest, match="<Module>:<job id>") as caught:
        hub.get(ADAPTER, "554023000000506003")
    assert "Leads:554023000000506003" in str(caught.value)
    assert len(sim.log) == 0


@pytest.mark.parametrize(
    "job_id", ["", "Le ads:1", "9x:1", "Leads:", "Leads:1\r\nX: y", "Leads:a b"]
)
def test_unusable_job_ids_are_refused_before_sending(
    hub: Hub, sim: ZohoMassUpdateSimulator, job_id: str
) -> None:
    with pytest.raises(InvalidRequest):
        hub.get(ADAPTER, job_id)
    assert len(sim.log) == 0


def test_job_id_characters_stay_in_the_query(hub: Hub, sim: ZohoMassUpdateSimulator) -> None:
    with pytest.raises(InvalidRequest) as caught:  # INVALID_DATA: not a Zoho job id
        hub.get(ADAPTER, "Leads:1&job_id=2#x")
    assert caught.value.code == "INVALID_DATA"
    assert sim.log[-1].path == "/crm/v8/Leads/actions/mass_update"
    assert sim.log[-1].query == "job_id=1%26job_id%3D2%23x"


def test_job_in_another_module_is_not_found(hub: Hub) -> None:
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="8"))
    with pytest.raises(NotFound) as caught:
        hub.get(ADAPTER, "Contacts:" + job.id.split(":")[1])
    assert caught.value.code == "NOT_FOUND" and caught.value.status == 404


def test_empty_not_found_answer(
    make_hub: Callable[..., Hub], make_profile: Callable[..., Profile], sim: ZohoMassUpdateSimulator
) -> None:
    sim.not_found_as_204 = True
    hub = make_hub(make_profile())
    with pytest.raises(NotFound, match="answered nothing") as caught:
        hub.get(ADAPTER, "Leads:123")
    assert caught.value.status == 204


def test_cancel_is_not_supported(hub: Hub) -> None:
    adapter = hub.adapter(ADAPTER)
    assert "cancel" not in adapter.capabilities
    with pytest.raises(NotSupported, match="cancel"):
        hub.cancel(ADAPTER, "Leads:1")
    with pytest.raises(NotSupported, match="documents no way to stop"):
        adapter.cancel(hub.connection(ADAPTER), "Leads:1")


# -- tokens --------------------------------------------------------------------------


def test_one_token_serves_every_call(
    hub: Hub, sim: ZohoMassUpdateSimulator, finish: Finish
) -> None:
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="8"))
    finish(hub, job, step=0.5)
    assert len(sim.log.where("POST", "/oauth/v2/token")) == 1
    assert sim.tokens.live(REFRESH_TOKEN) == 1
    auth = [dict(r.headers).get("Authorization") for r in sim.log if r.path.startswith("/crm/")]
    assert auth and set(auth) == {"***"}  # the log masks it; the simulator accepted it


def test_expired_token_mid_poll_is_refreshed_once(
    hub: Hub, sim: ZohoMassUpdateSimulator, clock: SimClock, finish: Finish
) -> None:
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="8"))
    clock.advance(3)
    assert hub.get(ADAPTER, job.id).status is JobStatus.RUNNING
    sim.expire_tokens()
    clock.advance(1)
    again = hub.get(ADAPTER, job.id)
    assert again.status is JobStatus.RUNNING
    calls = [(r.method, r.path, r.status) for r in sim.log]
    assert calls[-3:] == [
        ("GET", "/crm/v8/Leads/actions/mass_update", 401),
        ("POST", "/oauth/v2/token", 200),
        ("GET", "/crm/v8/Leads/actions/mass_update", 200),
    ]
    assert finish(hub, again, step=2.0)[-1].status is JobStatus.SUCCEEDED


def test_token_expiring_by_time_is_refreshed(
    make_hub: Callable[..., Hub],
    make_profile: Callable[..., Profile],
    clock: SimClock,
    sim: ZohoMassUpdateSimulator,
) -> None:
    hub = make_hub(make_profile())
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="8"))
    clock.advance(sim.tokens.ttl + 1)  # simulated hours pass; the client still holds its token
    assert hub.get(ADAPTER, job.id).status is JobStatus.SUCCEEDED
    assert len(sim.log.where("POST", "/oauth/v2/token")) == 2


def test_expires_in_milliseconds_variant(
    make_hub: Callable[..., Hub], make_profile: Callable[..., Profile], sim: ZohoMassUpdateSimulator
) -> None:
    sim.expires_in_ms = True
    hub = make_hub(make_profile())
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="8"))
    for _ in range(3):
        hub.get(ADAPTER, job.id)
    assert len(sim.log.where("POST", "/oauth/v2/token")) == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"refresh_token": "not-the-sandbox-token"}, "invalid_code"),
        ({"client_id": "someone-else"}, "invalid_client"),
    ],
)
def test_refused_token_request_is_an_auth_error(
    make_hub: Callable[..., Hub],
    make_profile: Callable[..., Profile],
    changes: dict[str, str],
    code: str,
) -> None:
    hub = make_hub(make_profile(**changes))
    with pytest.raises(AuthError) as caught:
        hub.get(ADAPTER, "Leads:1")
    assert caught.value.code == code
    assert "not-the-sandbox-token" not in str(caught.value)


def test_api_domain_from_the_token_answer(
    make_hub: Callable[..., Hub],
    make_profile: Callable[..., Profile],
    sim: ZohoMassUpdateSimulator,
    finish: Finish,
) -> None:
    hub = make_hub(make_profile(base_url=None))  # only the accounts server is configured
    job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="8"))
    assert finish(hub, job, step=3.0)[-1].status is JobStatus.SUCCEEDED
    assert hub.connection(ADAPTER).base_url == sim.base_url


def test_plugin_is_found_by_entry_point(
    server: SandboxServer, sim: ZohoMassUpdateSimulator
) -> None:
    from jobadapter.config import profile_from_mapping

    profile = profile_from_mapping("z", sim.profile())
    with Hub(
        profiles=[profile], environ={"JOBADAPTER_PLUGINS": "zoho_common,zoho_mass_update"}
    ) as hub:
        assert hub.adapters() == [ADAPTER]
        assert hub.plugins.registry.simulators["zoho_mass_update"] is ZohoMassUpdateSimulator
        assert hub.provider("zoho").name == "zoho"
        assert any(info.name == "zoho_mass_update" for info in hub.plugin_infos())
        assert zoho_plugin.JOBADAPTER_API_VERSION == "1.0"
        job = hub.submit(ADAPTER, MassUpdateRequest("Leads", {"Rating": "Hot"}, ids=["1"]))
        assert job.status is JobStatus.SUCCEEDED


def test_simulator_profile_is_ready_to_use(
    server: SandboxServer, sim: ZohoMassUpdateSimulator
) -> None:
    profile = sim.profile()
    assert profile["provider"] == "zoho"
    assert profile["accounts_url"] == profile["base_url"] == server.url
    assert profile["client_id"] == CLIENT_ID
    assert "sandbox" in profile["refresh_token"]


def test_idempotency_key_is_kept_but_never_sent(hub: Hub, sim: ZohoMassUpdateSimulator) -> None:
    request = MassUpdateRequest("Leads", {"Rating": "Hot"}, cvid="8", idempotency_key="k-123")
    hub.submit(ADAPTER, request)
    hub.submit(
        ADAPTER, {"module": "Leads", "data": {"Rating": "Hot"}, "ids": ["1"]}
    )  # hub adds one
    assert all("idempotency_key" not in body for _, body in sim.received)
    posts = [r for r in sim.log if r.method == "POST" and r.path.startswith("/crm/")]
    assert len(posts) == 2
    assert all("idempotency-key" not in {k.lower() for k, _ in r.headers} for r in posts)
