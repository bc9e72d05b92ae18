"""Finding jobs: listing by cursor and status, and ids that find nothing or try a path."""

from __future__ import annotations

from typing import Any

import pytest
from custom_object_requests import ADAPTER, MakeCsv, delete_by_filter
from jobadapter import Hub, InvalidRequest, JobStatus, NotFound
from jobadapter.sandbox import SimClock
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator


def test_list_follows_the_cursor(
    hub: Hub, sim: CustomObjectJobsSimulator, clock: SimClock, make_csv: MakeCsv
) -> None:
    sim.concurrent_limit = 50
    made = [hub.submit(ADAPTER, delete_by_filter()).id for _ in range(3)]
    clock.advance(1)
    made += [
        hub.submit(ADAPTER, CustomObjectJobRequest("v", "create", file=make_csv(1))).id
        for _ in range(4)
    ]
    listed = list(hub.list_jobs(ADAPTER, page_size=2))
    assert [job.id for job in listed] == list(reversed(made))  # newest first
    pages = sim.log.where("GET", "/objects/jobs")
    assert len(pages) == 4  # 2 + 2 + 2 + 1
    assert "cursor" not in pages[0].query and "cursor=" in pages[1].query
    assert all("pageSize=2" in page.query for page in pages)


def test_list_by_status(hub: Hub, sim: CustomObjectJobsSimulator, make_csv: MakeCsv) -> None:
    sim.concurrent_limit = 50
    accepted = hub.submit(ADAPTER, delete_by_filter()).id
    running = hub.submit(ADAPTER, CustomObjectJobRequest("v", "create", file=make_csv(99))).id
    assert [j.id for j in hub.list_jobs(ADAPTER, status="in_progress")] == [running]
    assert [j.id for j in hub.list_jobs(ADAPTER, status=JobStatus.PENDING)] == [accepted]
    queries = [p.query for p in sim.log.where("GET", "/objects/jobs")]
    assert any("status=accepted" in q for q in queries)
    assert any("status=pending" in q for q in queries)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"page_size": 101}, "page_size must be 1-100"),
        ({"page_size": 0}, "page_size must be 1-100"),
        ({"status": "running"}, "status 'running'"),
        ({"status": JobStatus.CANCELLING}, "never cancelling"),
        ({"object": "vehicle"}, "by status and page_size only"),
    ],
)
def test_list_refuses_bad_filters(hub: Hub, filters: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        list(hub.list_jobs(ADAPTER, **filters))


def test_unknown_job_is_not_found(hub: Hub) -> None:
    with pytest.raises(NotFound) as info:
        hub.get(ADAPTER, "7006ce52-91c9-11ed-a1eb-0242ac120002")
    assert info.value.code == "71013040"
    assert info.value.status == 404
    assert "Job not found for id '7006ce52-91c9-11ed-a1eb-0242ac120002'" in str(info.value)
    with pytest.raises(NotFound):
        hub.cancel(ADAPTER, "7006ce52-91c9-11ed-a1eb-0242ac120002")
    with pytest.raises(NotFound):
        list(hub.results(ADAPTER, "7006ce52-91c9-11ed-a1eb-0242ac120002"))


def test_job_ids_stay_one_path_segment(hub: Hub, sim: CustomObjectJobsSimulator) -> None:
    with pytest.raises(NotFound):
        hub.get(ADAPTER, "../jobs?status=failed")
    assert not sim.log.where("GET", "/objects/jobs")  # never turned into a listing
    with pytest.raises(InvalidRequest):
        hub.get(ADAPTER, "..")
