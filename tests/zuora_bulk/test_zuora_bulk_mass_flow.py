"""Mass Updater flows against the simulator over HTTP: submit -> poll to terminal ->
results, stop paths, idempotent retries, a 401 mid-poll, 429 with RateLimit-Reset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jobadapter import Counts, Hub, InvalidRequest, JobStatus, NotFound, RateLimited
from jobadapter.config import profile_from_mapping
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import Faults, SandboxServer, SimClock
from jobadapter.transport import Transport
from jobadapter_zuora_bulk import MassUpdateRequest
from jobadapter_zuora_bulk.simulator import ZuoraBulkSimulator
from jobadapter_zuora_common.simulator import TOKEN_LIFETIME
from zuora_bulk_support import MASS, Sleeper, csv_rows, zip_of


def submit(hub: Hub, data: bytes, action: str = "UpdateAccountingCode", **kw: Any) -> str:
    return hub.submit(MASS, MassUpdateRequest(data, action, **kw)).id


def test_submit_walks_to_completed_with_real_counts_and_rows(
    hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock, tmp_path: Path
) -> None:
    path = tmp_path / "codes.csv"
    path.write_bytes(csv_rows(20, failing=(4, 9)))
    job = hub.submit(MASS, MassUpdateRequest(path, "UpdateAccountingCode"))
    assert job.status is JobStatus.PENDING and len(job.id) == 32
    assert job.operation == "UpdateAccountingCode"

    sent = sim.log.where("POST", "/v1/bulk")[0]
    assert 0 < len(dict(sent.headers)["Idempotency-Key"]) <= 255  # one per submission

    pending = hub.get(MASS, job.id)
    assert pending.status is JobStatus.PENDING and pending.native_status == "Pending"
    assert pending.counts == Counts()
    assert pending.submitted_by == "sandbox@example.com"

    clock.advance(3.0)  # 2 s pending, then 5 rows per simulated second
    running = hub.get(MASS, job.id)
    assert running.status is JobStatus.RUNNING
    assert running.counts == Counts(total=20, processed=5, succeeded=4, failed=1)
    assert running.started_at is not None and running.ended_at is None

    clock.advance(2.0)
    later = hub.get(MASS, job.id)
    assert later.counts.processed == 15 and later.counts.failed == 2

    clock.advance(10.0)
    done = hub.get(MASS, job.id)
    assert done.status is JobStatus.SUCCEEDED and done.native_status == "Completed"
    assert done.counts == Counts(total=20, processed=20, succeeded=18, failed=2)
    assert done.result_url is not None and "/v1/files/" in done.result_url
    assert done.ended_at is not None and done.started_at is not None
    assert done.ended_at >= done.started_at

    rows = list(hub.results(MASS, job.id))
    assert len(rows) == 20
    assert rows[3]["Notes"] == "FAIL" and rows[3]["Success"] == "N"
    assert rows[3]["_outcome"] == "failed" and rows[3]["_row"] == 4
    assert rows[3]["Error Message"]
    assert rows[0]["Accounting Code Name"] == "Code 1" and rows[0]["_outcome"] == "succeeded"
    assert sum(r["_outcome"] == "failed" for r in rows) == 2


def test_zipped_csv_is_accepted(hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock) -> None:
    key = submit(hub, zip_of("codes.csv", csv_rows(4, failing=(1,))))
    upload = sim.mass_actions[key]
    assert len(upload.table.rows) == 4
    clock.advance(60)
    assert hub.get(MASS, key).counts == Counts(total=4, processed=4, succeeded=3, failed=1)


def test_header_only_file_ends_failed_without_result_file(hub: Hub, clock: SimClock) -> None:
    key = submit(hub, b"Accounting Code Name,Type\n")
    clock.advance(5)
    job = hub.get(MASS, key)
    assert job.status is JobStatus.FAILED and job.native_status == "Failed"
    assert job.result_url is None
    assert job.counts == Counts(total=0, processed=0, succeeded=0, failed=0)
    with pytest.raises(InvalidRequest, match="no response file for failed"):
        hub.results(MASS, key)


def test_results_before_the_end_say_to_wait(hub: Hub) -> None:
    key = submit(hub, csv_rows(3))
    with pytest.raises(InvalidRequest, match="not finished"):
        hub.results(MASS, key)


def test_stop_while_pending(hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock) -> None:
    key = submit(hub, csv_rows(10))
    stopping = hub.cancel(MASS, key)
    assert stopping.status is JobStatus.CANCELLING and stopping.native_status == "Stopping"
    assert len(sim.log.where("PUT", f"/v1/bulk/{key}/stop")) == 1
    clock.advance(5)
    stopped = hub.get(MASS, key)
    assert stopped.status is JobStatus.CANCELLED and stopped.native_status == "Stopped"
    assert stopped.counts.processed == 0
    assert stopped.result_url is None  # stopped before any row: no response file
    with pytest.raises(InvalidRequest, match="no outputURL"):
        hub.results(MASS, key)


def test_stop_while_processing_keeps_processed_rows(hub: Hub, clock: SimClock) -> None:
    key = submit(hub, csv_rows(50, failing=(2,)))
    clock.advance(4.0)  # 10 rows done
    hub.cancel(MASS, key)
    clock.advance(30)
    stopped = hub.get(MASS, key)
    assert stopped.status is JobStatus.CANCELLED
    assert stopped.counts == Counts(total=50, processed=10, succeeded=9, failed=1)
    rows = list(hub.results(MASS, key))
    assert [r["_outcome"] for r in rows].count("unprocessed") == 40
    assert rows[10]["Success"] == ""


@pytest.mark.parametrize("when", [60.0])
def test_stop_after_the_end_is_refused_without_a_stop_request(
    hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock, when: float
) -> None:
    key = submit(hub, csv_rows(2))
    clock.advance(when)
    with pytest.raises(InvalidRequest, match="only Pending or Processing"):
        hub.cancel(MASS, key)
    assert sim.log.where("PUT", f"/v1/bulk/{key}/stop") == []


def test_simulator_refuses_a_late_stop_with_a_documented_body(
    hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock
) -> None:
    key = submit(hub, csv_rows(2))
    clock.advance(60)
    conn = hub.connection(MASS)
    with pytest.raises(InvalidRequest, match="only Pending or Processing") as caught:
        conn.request("PUT", f"/v1/bulk/{key}/stop")
    assert caught.value.code == "58730030"


def test_unknown_bulk_key_is_not_found_although_http_200(hub: Hub) -> None:
    with pytest.raises(NotFound) as caught:
        hub.get(MASS, "0" * 32)
    assert caught.value.status == 200
    assert caught.value.code == "58730040"


def test_bad_action_type_reaching_zuora_gets_the_documented_body(hub: Hub) -> None:
    conn = hub.connection(MASS)
    params = json.dumps({"actionType": "Nope"})
    with pytest.raises(InvalidRequest, match="Invalid actionType") as caught:
        conn.request(
            "POST",
            "/v1/bulk",
            multipart={"file": ("a.csv", b"a\n1\n", "text/csv"), "params": params},
        )
    assert caught.value.code == "58730020"
    assert caught.value.details["processId"]


def test_simulator_checks_the_checksum_and_size(hub: Hub) -> None:
    conn = hub.connection(MASS)
    params = json.dumps({"actionType": "MPU", "checksum": "0" * 32})
    with pytest.raises(InvalidRequest, match="checksum"):
        conn.request(
            "POST",
            "/v1/bulk",
            multipart={"file": ("a.csv", b"a\n1\n", "text/csv"), "params": params},
        )
    big = b"a\n" + b"1\n" * (2 * 2**20 + 1)
    with pytest.raises(InvalidRequest, match="4 MB") as caught:
        conn.request(
            "POST",
            "/v1/bulk",
            multipart={
                "file": ("a.csv", big, "text/csv"),
                "params": json.dumps({"actionType": "MPU"}),
            },
        )
    assert caught.value.status == 413


def test_dropped_submit_is_retried_with_the_same_key_and_runs_once(
    hub: Hub, sim: ZuoraBulkSimulator, server: SandboxServer, sleeper: Sleeper
) -> None:
    hub.connection(MASS).credentials.auth_headers(hub.transport)  # token first, unfaulted
    server.faults = Faults(drop=1.0)  # Zuora acts, then the answer is lost

    def lift() -> None:
        server.faults = Faults()

    sleeper.before_retry = lift
    job = hub.submit(MASS, MassUpdateRequest(csv_rows(3), "MPU", idempotency_key="order-77"))
    posts = sim.log.where("POST", "/v1/bulk")
    assert len(posts) == 2
    assert [dict(p.headers)["Idempotency-Key"] for p in posts] == ["order-77", "order-77"]
    assert list(sim.mass_actions) == [job.id]  # one mass action, not two


def test_the_hub_key_is_the_one_zuora_gets(hub: Hub, sim: ZuoraBulkSimulator) -> None:
    hub.submit(MASS, {"file": csv_rows(1), "action": "MPU"}, idempotency_key="batch-2024-01")
    sent = sim.log.where("POST", "/v1/bulk")[0]
    assert dict(sent.headers)["Idempotency-Key"] == "batch-2024-01"


def test_token_expiring_mid_poll_is_refreshed_and_polling_goes_on(
    hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock
) -> None:
    key = submit(hub, csv_rows(5))
    assert hub.get(MASS, key).status is JobStatus.PENDING
    clock.advance(TOKEN_LIFETIME + 1)
    job = hub.get(MASS, key)
    assert job.status is JobStatus.SUCCEEDED
    polls = [r.status for r in sim.log.where("GET", f"/v1/bulk/{key}")]
    assert polls == [200, 401, 200]
    assert sim.tokens_issued == 2


@pytest.mark.parametrize("sim_options", [{"rate_limit": 3, "rate_window": 60.0}])
def test_429_with_ratelimit_reset_is_waited_out(
    hub: Hub, sim: ZuoraBulkSimulator, sleeper: Sleeper, clock: SimClock
) -> None:
    key = submit(hub, csv_rows(5))  # request 1 of 3 in this window
    hub.get(MASS, key)  # 2
    clock.advance(15)
    hub.get(MASS, key)  # 3
    job = hub.get(MASS, key)  # 4th: 429, RateLimit-Reset 45 -> wait, retry
    assert job.status is JobStatus.SUCCEEDED
    assert sleeper.calls == [45.0]
    limited = [r for r in sim.log if r.status == 429]
    assert len(limited) == 1


@pytest.mark.parametrize("sim_options", [{"rate_limit": 1}])
def test_429_beyond_the_retry_budget_is_rate_limited(
    sim: ZuoraBulkSimulator, server: SandboxServer
) -> None:
    import jobadapter_zuora_bulk.plugin as bulk_plugin
    import jobadapter_zuora_common.plugin as common_plugin

    profile = profile_from_mapping("z", sim.profile())
    transport = Transport(retry=RetryPolicy(max_attempts=1), sleep=lambda s: None)
    with Hub(
        profiles=[profile],
        plugins=[common_plugin, bulk_plugin],
        load_entrypoints=False,
        transport=transport,
    ) as hub:
        key = submit(hub, csv_rows(1))
        with pytest.raises(RateLimited) as caught:
            hub.get(MASS, key)
    assert caught.value.retry_after == 60.0
    assert caught.value.adapter == MASS


@pytest.mark.parametrize("profile_extra", [{"timezone": "America/New_York", "track_id": "run-9"}])
@pytest.mark.parametrize("sim_options", [{"tenant_timezone": "America/New_York"}])
def test_tenant_timezone_and_track_id(hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock) -> None:
    key = submit(hub, csv_rows(1))
    answer_time = sim.mass_answer(sim.mass_actions[key])["uploadedOn"]
    job = hub.get(MASS, key)
    assert job.created_at is not None
    assert job.created_at.timestamp() == pytest.approx(clock.now(), abs=1.0)
    assert answer_time != job.created_at.strftime("%Y-%m-%d %H:%M:%S")  # naive NY != UTC
    assert all(
        dict(r.headers).get("Zuora-Track-Id") == "run-9"
        for r in sim.log
        if r.path != "/oauth/token"
    )


@pytest.mark.parametrize("sim_options", [{"counts_as": "string"}])
def test_counts_as_strings_from_the_simulator(
    hub: Hub, sim: ZuoraBulkSimulator, clock: SimClock
) -> None:
    key = submit(hub, csv_rows(6, failing=(6,)))
    clock.advance(60)
    assert sim.mass_answer(sim.mass_actions[key])["totalCount"] == "6"
    assert hub.get(MASS, key).counts == Counts(total=6, processed=6, succeeded=5, failed=1)
