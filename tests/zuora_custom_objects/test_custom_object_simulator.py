"""The simulator's rules, and every answer it gives checked against the published spec."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from custom_object_spec import SPEC_FILE, SpecChecker, Tenant
from jobadapter.sandbox import SimClock
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator

START = 1_700_000_000.0
UNKNOWN = "7006ce52-91c9-11ed-a1eb-0242ac120002"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture()
def clock() -> SimClock:
    return SimClock(speed=0, start=START)


@pytest.fixture()
def sim(clock: SimClock) -> CustomObjectJobsSimulator:
    return CustomObjectJobsSimulator(clock=clock, seed=3)


@pytest.fixture()
def checker(spec: dict[str, Any]) -> SpecChecker:
    return SpecChecker(spec)


@pytest.fixture()
def tenant(sim: CustomObjectJobsSimulator, checker: SpecChecker) -> Tenant:
    return Tenant(sim, checker)


FILTER = {
    "conditions": [{"field": "CreatedDate", "operator": "LT", "value": "2020-01-01T00:00:00.000Z"}]
}


def test_file_job_life(tenant: Tenant, clock: SimClock) -> None:
    job = tenant.create()
    assert job["status"] == "pending"
    assert job["processingTime"] == 0 and job["recordsProcessed"] == 0
    assert job["CreatedDate"] == "2023-11-14T22:13:20.000Z" == job["UpdatedDate"]
    clock.advance(1.5)
    started = tenant.upload(job["Id"], b"name__c\nA\nFAIL\nC\nD\n")
    assert started["status"] == "in_progress"
    assert started["UpdatedDate"] == "2023-11-14T22:13:21.500Z"
    clock.advance(0.1)  # 2 rows at 20 rows/s
    running = tenant.call("GET", f"/objects/jobs/{job['Id']}", 200)
    assert (running["status"], running["recordsProcessed"]) == ("in_progress", 2)
    assert running["processingTime"] == 100
    assert [
        e["row"] for e in tenant.call("GET", f"/objects/jobs/{job['Id']}/errors", 200)["errors"]
    ] == [3]
    clock.advance(10)
    done = tenant.call("GET", f"/objects/jobs/{job['Id']}", 200)
    assert (done["status"], done["recordsProcessed"], done["processingTime"]) == (
        "completed",
        4,
        200,
    )
    assert done["UpdatedDate"] == "2023-11-14T22:13:21.700Z"
    assert "error" not in done
    errors = tenant.call("GET", f"/objects/jobs/{job['Id']}/errors", 200)["errors"]
    assert errors == [
        {
            "code": 71012520,
            "message": "row 3: a field holds the failure marker",
            "row": 3,
            "record": {"name__c": "FAIL"},
        }
    ]


def test_filtered_delete_life(tenant: Tenant, clock: SimClock) -> None:
    job = tenant.create(operation="delete", filter=FILTER)
    assert job["status"] == "accepted"
    clock.advance(1.9)
    assert tenant.call("GET", f"/objects/jobs/{job['Id']}", 200)["status"] == "accepted"
    clock.advance(0.2)
    assert tenant.call("GET", f"/objects/jobs/{job['Id']}", 200)["status"] == "in_progress"
    clock.advance(5)
    done = tenant.call("GET", f"/objects/jobs/{job['Id']}", 200)
    assert (done["status"], done["recordsProcessed"]) == ("completed", 50)
    tenant.upload(job["Id"], b"id\n1\n", status=400)  # not pending


def test_all_rows_failing(tenant: Tenant, clock: SimClock) -> None:
    job = tenant.create()
    tenant.upload(job["Id"], b"name__c\nFAIL\nFAIL 2\n")
    clock.advance(10)
    done = tenant.call("GET", f"/objects/jobs/{job['Id']}", 200)
    assert done["status"] == "failed"
    assert done["error"]["code"] == 71012520


def test_empty_csv_completes_with_nothing(tenant: Tenant, clock: SimClock) -> None:
    job = tenant.create()
    tenant.upload(job["Id"], b"name__c\n")
    done = tenant.call("GET", f"/objects/jobs/{job['Id']}", 200)
    assert (done["status"], done["recordsProcessed"]) == ("completed", 0)


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        ({"operation": "upsert"}, 71013020, "Invalid operation"),
        ({"namespace": "custom"}, 71013020, "Invalid namespace"),
        ({"object": ""}, 71013022, "'object'"),
        ({"filter": FILTER}, 71013020, "delete jobs only"),
        ({"operation": "delete", "filter": {"conditions": []}}, 71013020, "1 or 2"),
        (
            {"operation": "delete", "filter": {"conditions": FILTER["conditions"] * 3}},
            71013020,
            "1 or 2",
        ),
        (
            {
                "operation": "delete",
                "filter": {"conditions": [{"field": "a", "operator": "NE", "value": 1}]},
            },
            71013020,
            "EQ|GT|LT|GE|LE",
        ),
    ],
)
def test_create_refusals(tenant: Tenant, body: dict[str, Any], code: int, fragment: str) -> None:
    answer = tenant.create(400, **body)
    assert answer["code"] == code
    assert fragment in answer["message"]


def test_create_body_not_json(tenant: Tenant) -> None:
    answer = tenant.call(
        "POST", "/objects/jobs", 400, data=b"{nope", content_type="application/json"
    )
    assert isinstance(answer["code"], int)


@pytest.mark.parametrize(
    ("data", "kwargs", "fragment"),
    [
        (b"name__c\nA\n", {"content_type": "application/json"}, "text/csv"),
        (b"name\xff\nA\n", {}, "UTF-8"),
        (b"", {}, "header row"),
    ],
)
def test_upload_refusals(
    tenant: Tenant, data: bytes, kwargs: dict[str, Any], fragment: str
) -> None:
    job = tenant.create()
    answer = tenant.upload(job["Id"], data, status=400, **kwargs)
    assert answer["code"] == 71013620
    assert fragment in answer["message"]
    assert tenant.sim.jobs[job["Id"]].status == "pending"  # the job still waits for a file


def test_update_file_needs_an_id_column(tenant: Tenant) -> None:
    job = tenant.create(operation="update")
    assert "id column" in tenant.upload(job["Id"], b"name__c\nA\n", status=400)["message"]
    tenant.upload(job["Id"], b"Id,name__c\n0b3bb1b4-9b0d-4f5e-8a0e-1d2c3b4a5f60,A\n")


def test_upload_over_15_mb(tenant: Tenant) -> None:
    job = tenant.create()
    data = b"name__c\n" + b"x" * (15 * 1024 * 1024)
    assert "15 MB" in tenant.upload(job["Id"], data, status=400)["message"]


def test_one_file_per_job(tenant: Tenant) -> None:
    job = tenant.create()
    tenant.upload(job["Id"], b"name__c\nA\n")
    assert "pending" in tenant.upload(job["Id"], b"name__c\nB\n", status=400)["message"]


def test_unknown_ids_answer_404(tenant: Tenant) -> None:
    for method, suffix in (("GET", ""), ("GET", "/errors"), ("PATCH", "/cancel")):
        body = tenant.call(method, f"/objects/jobs/{UNKNOWN}{suffix}", 404)
        assert body == {"code": 71013040, "message": f"Job not found for id '{UNKNOWN}'."}
    assert tenant.upload(UNKNOWN, b"a\n1\n", status=404)["code"] == 71013040


def test_cancel_rules(tenant: Tenant, clock: SimClock) -> None:
    pending = tenant.create()
    accepted = tenant.create(operation="delete", filter=FILTER)
    running = tenant.create()
    tenant.upload(running["Id"], b"name__c\n" + b"A\n" * 100)
    for job in (pending, accepted):
        answer = tenant.call("PATCH", f"/objects/jobs/{job['Id']}/cancel", 200)
        assert answer["status"] == "cancelled"
    refused = tenant.call("PATCH", f"/objects/jobs/{running['Id']}/cancel", 400)
    assert refused["code"] == 71013620 and "in_progress" in refused["message"]
    again = tenant.call("PATCH", f"/objects/jobs/{pending['Id']}/cancel", 400)
    assert "cancelled" in again["message"]
    clock.advance(100)
    tenant.call("PATCH", f"/objects/jobs/{running['Id']}/cancel", 400)


def test_five_concurrent_jobs_then_the_limit(tenant: Tenant, clock: SimClock) -> None:
    jobs = [tenant.create(operation="delete", filter=FILTER) for _ in range(3)]
    jobs += [tenant.create() for _ in range(2)]
    response = tenant.client.post(
        "/objects/jobs",
        json={"namespace": "default", "object": "vehicle", "operation": "create"},
        headers=tenant.auth,
    )
    # The documented answer: a job that failed at once (pages/zuora-get-custom-object-
    # bulk-job.md's sample), not an HTTP error no document shows.
    assert response.status_code == 200
    failed = response.get_json()
    assert failed["status"] == "failed"
    assert failed["error"] == {
        "code": 71012560,
        "message": "Service limit reached, please retry later.",
    }
    assert tenant.call("GET", f"/objects/jobs/{failed['Id']}", 200)["status"] == "failed"
    tenant.call("PATCH", f"/objects/jobs/{jobs[-1]['Id']}/cancel", 200)  # frees a slot
    assert tenant.create()["status"] == "pending"
    over = tenant.client.post(
        "/objects/jobs",
        json={"namespace": "default", "object": "v", "operation": "create"},
        headers=tenant.auth,
    ).get_json()
    assert over["status"] == "failed"
    clock.advance(10)  # the three deletes finish
    tenant.create()


def test_idempotency_key_replays_the_first_success(tenant: Tenant) -> None:
    key = {"Idempotency-Key": "jobadapter-test-1"}
    first = tenant.create(headers=key)
    again = tenant.create(headers=key)
    assert first == again
    assert len(tenant.sim.jobs) == 1
    other = tenant.create(headers={"Idempotency-Key": "jobadapter-test-2"})
    assert other["Id"] != first["Id"]


def test_list_pages_with_cursor(tenant: Tenant, clock: SimClock) -> None:
    tenant.sim.concurrent_limit = 100
    ids = []
    for _ in range(5):
        ids.append(tenant.create()["Id"])
        clock.advance(1)
    first = tenant.call("GET", "/objects/jobs?pageSize=2", 200)
    assert first["count"] == 2 and first["cursor"] == ids[3]
    assert [j["Id"] for j in first["jobs"]] == [ids[4], ids[3]]
    second = tenant.call("GET", f"/objects/jobs?pageSize=2&cursor={first['cursor']}", 200)
    assert [j["Id"] for j in second["jobs"]] == [ids[2], ids[1]]
    third = tenant.call("GET", f"/objects/jobs?pageSize=2&cursor={second['cursor']}", 200)
    assert [j["Id"] for j in third["jobs"]] == [ids[0]]
    empty = tenant.call("GET", f"/objects/jobs?pageSize=2&cursor={third['cursor']}", 200)
    assert empty == {"count": 0, "jobs": []}
    default = tenant.call("GET", "/objects/jobs", 200)
    assert default["count"] == 5  # pageSize defaults to 25
    tenant.upload(ids[0], b"a\n1\n")
    filtered = tenant.call("GET", "/objects/jobs?status=in_progress", 200)
    assert [j["Id"] for j in filtered["jobs"]] == [ids[0]]


@pytest.mark.parametrize(
    "query", ["pageSize=101", "pageSize=0", "pageSize=x", "status=running", f"cursor={UNKNOWN}"]
)
def test_list_refusals(tenant: Tenant, query: str) -> None:
    assert tenant.call("GET", f"/objects/jobs?{query}", 400)["code"] == 71013020


def test_requests_without_a_valid_token_are_refused(
    tenant: Tenant, sim: CustomObjectJobsSimulator
) -> None:
    answer = tenant.client.get(f"/objects/jobs/{UNKNOWN}")
    assert answer.status_code == 401
    sim.expire_tokens()
    assert tenant.client.get("/objects/jobs", headers=tenant.auth).status_code == 401


def test_every_documented_answer_was_checked(
    tenant: Tenant, checker: SpecChecker, spec: dict[str, Any]
) -> None:
    """One pass over every documented (route, status) pair, so the spec check misses none."""
    tenant.sim.concurrent_limit = 100
    job = tenant.create()
    tenant.create(400, operation="upsert")
    tenant.upload(UNKNOWN, b"a\n", status=404)
    tenant.upload(job["Id"], b"a\n1\n")
    tenant.upload(job["Id"], b"a\n1\n", status=400)
    tenant.call("GET", f"/objects/jobs/{job['Id']}", 200)
    tenant.call("GET", f"/objects/jobs/{UNKNOWN}", 404)
    tenant.call("GET", f"/objects/jobs/{job['Id']}/errors", 200)
    tenant.call("GET", f"/objects/jobs/{UNKNOWN}/errors", 404)
    tenant.call("GET", "/objects/jobs", 200)
    pending = tenant.create()
    tenant.call("PATCH", f"/objects/jobs/{pending['Id']}/cancel", 200)
    tenant.call("PATCH", f"/objects/jobs/{pending['Id']}/cancel", 400)
    tenant.call("PATCH", f"/objects/jobs/{UNKNOWN}/cancel", 404)
    documented = {
        (method.upper(), path, int(status))
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        for status in op["responses"]
        if int(status) != 403  # permissions are not simulated
    }
    assert documented <= set(checker.checked)


def test_timestamps_are_zuora_utc_with_milliseconds(tenant: Tenant) -> None:
    created = tenant.create()["CreatedDate"]
    moment = dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%S.%fZ")
    assert moment == dt.datetime(2023, 11, 14, 22, 13, 20)
