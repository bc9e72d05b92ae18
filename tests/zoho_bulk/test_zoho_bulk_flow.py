"""Both bulk adapters end to end against the simulator: submit, poll, results."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from jobadapter import Hub, JobStatus
from jobadapter.config import Profile
from jobadapter.errors import ConfigError, InvalidRequest, NotFound
from jobadapter.model import Job
from jobadapter.sandbox import SimClock
from jobadapter_zoho_bulk import BulkReadRequest, BulkWriteRequest, read_pages
from jobadapter_zoho_bulk.simulator import ORG_ID, ZohoBulkSimulator
from jobadapter_zoho_bulk.zipcsv import zip_csv

READ = "zoho.bulk_read"
WRITE = "zoho.bulk_write"
ROWS = tuple(
    {"Last_Name": f"N{n}", "Email": "FAIL" if n == 3 else f"n{n}@x.invalid"} for n in range(8)
)


def test_read_one_page_to_its_rows(
    hub: Hub, sim: ZohoBulkSimulator, finish: Callable[..., list[Job]]
) -> None:
    sim.add_records("Contacts", 30)
    request = BulkReadRequest(
        "Contacts", fields=("Last_Name",), callback_url="https://cb.example/x"
    )
    job = hub.submit(READ, request)
    assert (job.status, job.native_status, job.target) == (JobStatus.PENDING, "ADDED", "Contacts")
    assert job.callback_url == "https://cb.example/x"
    seen = finish(hub, job)
    assert [j.native_status for j in seen][:2] == ["ADDED", "ADDED"]
    assert "IN PROGRESS" in {j.native_status for j in seen}
    final = seen[-1]
    assert final.status is JobStatus.SUCCEEDED and final.native_status == "COMPLETED"
    assert (final.counts.total, final.counts.succeeded, final.counts.failed) == (30, 30, 0)
    rows = list(hub.results(READ, job.id))
    assert len(rows) == 30 and rows[0]["Last_Name"] == "Last_Name 0"
    assert hub.adapter(READ).next_request(final) is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("sim_options", [{"per_page": 10}])
def test_more_records_are_followed_to_the_last_page(
    hub: Hub, sim: ZohoBulkSimulator, clock: SimClock
) -> None:
    sim.add_records("Leads", 25)
    clock.speed = 1000.0  # hub.wait polls in real time: let simulated time run fast
    rows = list(read_pages(hub, BulkReadRequest("Leads", fields=("Email",))))
    assert len(rows) == 25 and len({r["Id"] for r in rows}) == 25
    pages = sorted(job.page for job in sim.reads.values())
    assert pages == [1, 2, 3]


def test_a_failing_criteria_ends_in_failure(hub: Hub, finish: Callable[..., list[Job]]) -> None:
    criteria = {"field": {"api_name": "Email"}, "comparator": "equal", "value": "FAIL"}
    job = hub.submit(READ, BulkReadRequest("Leads", criteria=criteria))
    final = finish(hub, job)[-1]
    assert final.status is JobStatus.FAILED and final.native_status == "FAILURE"
    with pytest.raises(InvalidRequest, match="no result file"):
        list(hub.results(READ, job.id))


def test_write_uploads_to_the_content_host_then_imports(
    hub: Hub, sim: ZohoBulkSimulator, finish: Callable[..., list[Job]]
) -> None:
    request = BulkWriteRequest("Leads", "insert", rows=ROWS, callback_url="https://cb.example/w")
    job = hub.submit(WRITE, request)
    assert job.status is JobStatus.PENDING and job.counts.total == 8  # known at submit
    assert job.callback_url == "https://cb.example/w"
    ((headers, _body),) = sim.uploads
    assert headers["Feature"] == "bulk-write" and headers["X-Crm-Org"] == ORG_ID
    assert headers["Host"].startswith("localhost:")  # the other host, with credentials
    assert headers["Authorization"].startswith("Zoho-oauthtoken ")
    final = finish(hub, job)[-1]
    assert final.status is JobStatus.SUCCEEDED and final.native_status == "COMPLETED"
    assert (final.counts.total, final.counts.succeeded, final.counts.failed) == (8, 7, 1)
    assert final.callback_url == "https://cb.example/w" and final.target == "Leads"
    rows = list(hub.results(WRITE, job.id))
    assert [r["STATUS"] for r in rows].count("SKIPPED") == 1
    assert all(r["RECORD_ID"] for r in rows if r["STATUS"] == "ADDED")


def test_write_from_a_csv_file(
    hub: Hub, sim: ZohoBulkSimulator, tmp_path: Path, finish: Callable[..., list[Job]]
) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Last_Name,Email\nA,a@x.invalid\nB,b@x.invalid\n", encoding="utf-8")
    job = hub.submit(WRITE, BulkWriteRequest("Leads", "upsert", file=path, find_by="Email"))
    assert job.counts.total == 2
    assert finish(hub, job)[-1].counts.succeeded == 2
    body = sim.writes[job.id].body
    assert body["resource"][0]["field_mappings"] == [
        {"api_name": "Last_Name", "index": 0},
        {"api_name": "Email", "index": 1},
    ]


def test_all_rows_failing_is_a_failed_job(hub: Hub, finish: Callable[..., list[Job]]) -> None:
    rows = ({"Last_Name": "FAIL"},)
    final = finish(hub, hub.submit(WRITE, BulkWriteRequest("Leads", rows=rows)))[-1]
    assert final.status is JobStatus.FAILED and final.counts.failed == 1


def test_an_expired_token_on_the_content_host_is_refreshed(
    hub: Hub, sim: ZohoBulkSimulator
) -> None:

    hub.submit(READ, BulkReadRequest("Leads"))
    sim.expire_tokens()
    job = hub.submit(WRITE, BulkWriteRequest("Leads", rows=ROWS))
    assert job.id in sim.writes
    statuses = [r.status for r in sim.log.where("POST") if r.path.endswith("/upload")]
    assert statuses == [401, 200]


def test_an_undeclared_host_gets_no_credentials(
    make_hub: Callable[..., Hub], make_profile: Callable[..., Profile], sim: ZohoBulkSimulator
) -> None:
    # content_url names this simulator, but the profile declares another content host
    hub = make_hub(make_profile(content_url="https://content.zohoapis.eu"))
    adapter = hub.adapter(WRITE)
    conn = hub.connection(WRITE)
    with pytest.raises(InvalidRequest, match="another host"):
        conn.request("POST", str(sim.content_url) + "/crm/v8/upload", body=b"x")
    assert adapter is not None and not sim.uploads


def test_upload_needs_the_org_id(
    make_hub: Callable[..., Hub], make_profile: Callable[..., Profile]
) -> None:
    hub = make_hub(make_profile(org_id=None))
    with pytest.raises(ConfigError, match="org_id"):
        hub.submit(WRITE, BulkWriteRequest("Leads", rows=ROWS))


def test_unknown_jobs_are_not_found(hub: Hub) -> None:
    with pytest.raises(NotFound) as read:
        hub.get(READ, "4150868000000999999")
    with pytest.raises(NotFound) as write:
        hub.get(WRITE, "4150868000000999999")
    assert read.value.code == write.value.code == "RESOURCE_NOT_FOUND"
    assert str(read.value).count("RESOURCE_NOT_FOUND") == 1


def test_the_zip_is_the_same_every_time() -> None:
    assert zip_csv(b"a,b\n1,2\n") == zip_csv(b"a,b\n1,2\n")


def test_requests_are_checked() -> None:
    with pytest.raises(InvalidRequest, match="find_by"):
        BulkWriteRequest("Leads", "update", rows=ROWS)
    with pytest.raises(InvalidRequest, match="exactly one"):
        BulkWriteRequest("Leads", "insert")
    with pytest.raises(InvalidRequest, match="operation"):
        BulkWriteRequest("Leads", "delete", rows=ROWS)
    with pytest.raises(InvalidRequest, match="page"):
        BulkReadRequest("Leads", page=0)
    with pytest.raises(InvalidRequest, match="callback_url"):
        BulkReadRequest("Leads", callback_url="ftp://x")
    assert isinstance(BulkReadRequest("Leads").body()["query"]["module"], dict)
