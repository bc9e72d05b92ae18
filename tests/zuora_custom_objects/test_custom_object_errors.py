"""Bad answers through the adapter: each Zuora error shape, 200 with ``success: false``,
the service-limit code, unknown status words and bodies that are not JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jobadapter import (
    AuthError,
    Hub,
    InvalidRequest,
    JobError,
    JobStatus,
    NotFound,
    PermissionDenied,
    ProviderError,
    ProviderResponseError,
    RateLimited,
    TransientError,
)
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SimClock
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.samples import GET_JOB, as_dict
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator
from werkzeug.wrappers import Request, Response

ADAPTER = "zuora.custom_object_job"
JOB_ID = "ed4b9701-bafb-4976-8019-b08269430153"

# pages/zuora-get-custom-object-bulk-job.md, the 200 sample (a failed job, not a failed call).
PAGE_SAMPLE = as_dict(GET_JOB)


class ScriptedSimulator(CustomObjectJobsSimulator):
    """Answers queued (status, body) pairs first, for the job, create and errors routes."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.script: list[tuple[int, Any]] = []

    def _scripted(self) -> Response | None:
        if not self.script:
            return None
        status, body = self.script.pop(0)
        # Zuora's advice for retryable answers: wait Retry-After seconds.
        headers = {"Retry-After": "1"} if status >= 500 else {}
        if isinstance(body, bytes):
            mimetype = "text/html" if b"<" in body else "application/json"
            return Response(body, status=status, headers=headers, mimetype=mimetype)
        return self.json_response(body, status, headers)

    def on_get_job(self, request: Request, job_id: str) -> Response:
        return self._scripted() or super().on_get_job(request, job_id)

    def on_job_errors(self, request: Request, job_id: str) -> Response:
        return self._scripted() or super().on_job_errors(request, job_id)

    def on_create_job(self, request: Request) -> Response:
        return self._scripted() or super().on_create_job(request)


@pytest.fixture()
def sim(clock: SimClock) -> ScriptedSimulator:
    return ScriptedSimulator(clock=clock, seed=11)


@pytest.fixture()
def one_try(hub: Hub) -> Hub:
    hub.transport.retry = RetryPolicy(max_attempts=1)
    return hub


def v1(code: int, message: str) -> dict[str, Any]:
    return {
        "success": False,
        "processId": "3F9A6DB2E1C8D7A0",
        "reasons": [{"code": code, "message": message}],
    }


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (200, v1(50000040, "Job does not exist"), NotFound, "50000040"),
        (200, v1(71012510, "No permission to view custom objects"), PermissionDenied, "71012510"),
        (200, v1(50000011, "Invalid token"), AuthError, "50000011"),
        (200, v1(71012560, "Service limit reached, please retry later."), RateLimited, "71012560"),
        (400, {"code": 71013020, "message": "Bad Request"}, InvalidRequest, "71013020"),
        (
            400,
            {"code": 71012560, "message": "Service limit reached, please retry later."},
            RateLimited,
            "71012560",
        ),
        (
            403,
            {"code": 71012514, "message": "User does not have permission"},
            PermissionDenied,
            "71012514",
        ),
        (404, {"code": 71013040, "message": "Not Found."}, NotFound, "71013040"),
        (500, {"code": 71016060, "message": "Internal error"}, TransientError, "71016060"),
    ],
)
def test_error_shapes_become_typed_errors(
    one_try: Hub,
    sim: ScriptedSimulator,
    status: int,
    body: dict[str, Any],
    error: type[ProviderError],
    code: str,
) -> None:
    sim.script.append((status, body))
    with pytest.raises(error) as info:
        one_try.get(ADAPTER, JOB_ID)
    assert type(info.value) is error
    assert info.value.code == code
    assert info.value.adapter == ADAPTER
    assert info.value.request_id  # Zuora-Request-Id (or the processId) for support


def test_the_documented_failed_job_is_a_job_not_an_error(hub: Hub, sim: ScriptedSimulator) -> None:
    sim.script.append((200, PAGE_SAMPLE))
    sim.script.append((200, {"errors": []}))
    job = hub.get(ADAPTER, JOB_ID)
    assert job.status is JobStatus.FAILED
    limit = JobError("71012560", "Service limit reached, please retry later.", retryable=True)
    assert job.errors == (limit,)
    # The spec never says processed rows succeeded: with no error rows listed for a
    # failed job, how many succeeded is unknown, never a false 500.
    assert (job.counts.processed, job.counts.failed, job.counts.succeeded) == (500, 0, None)


def test_a_failed_job_whose_error_rows_account_for_every_row(
    hub: Hub, sim: ScriptedSimulator
) -> None:
    sim.script.append((200, {**PAGE_SAMPLE, "recordsProcessed": 2}))
    sim.script.append((200, {"errors": [{"row": 1, "code": "x", "message": "bad"}] * 2}))
    job = hub.get(ADAPTER, JOB_ID)
    assert (job.counts.processed, job.counts.failed, job.counts.succeeded) == (2, 2, 0)


def test_a_job_error_says_retryable_only_when_the_provider_does(
    hub: Hub, sim: ScriptedSimulator
) -> None:
    sim.script.append((200, {**PAGE_SAMPLE, "error": {"code": 53100320, "message": "bad"}}))
    sim.script.append((200, {"errors": []}))
    assert hub.get(ADAPTER, JOB_ID).errors == (JobError("53100320", "bad"),)


def test_service_limit_on_create_is_rate_limited(one_try: Hub, sim: ScriptedSimulator) -> None:
    sim.script.append((200, v1(71012560, "Service limit reached, please retry later.")))
    with pytest.raises(RateLimited):
        one_try.submit(ADAPTER, CustomObjectJobRequest("v", "delete", filter=["a EQ 1"]))
    assert not sim.jobs


def test_server_errors_are_retried(hub: Hub, sim: ScriptedSimulator, sleeper: Any) -> None:
    job = hub.submit(ADAPTER, CustomObjectJobRequest("v", "delete", filter=["a EQ 1"]))
    sim.script += [
        (503, {"code": 71016061, "message": "Temporary"}),
        (502, b"<html>bad gateway</html>"),
    ]
    assert hub.get(ADAPTER, job.id).id == job.id
    assert [e.status for e in sim.log.where("GET", f"/objects/jobs/{job.id}")] == [503, 502, 200]
    assert sleeper.calls == [1.0, 1.0]


def test_unknown_status_word_from_the_server(hub: Hub, sim: ScriptedSimulator) -> None:
    sim.script.append((200, {**PAGE_SAMPLE, "status": "archived"}))
    job = hub.get(ADAPTER, JOB_ID)
    assert job.status is JobStatus.UNKNOWN
    assert job.native_status == "archived"
    assert len(sim.log.where("GET", f"/objects/jobs/{JOB_ID}/errors")) == 0  # not terminal


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"Id": "x", "status": "comp', "truncated JSON"),
        (b"<html><body>Login</body></html>", "HTML"),
        (json.dumps({"Id": "x", "status": None}).encode(), "status is None"),
        (json.dumps(["not", "an", "object"]).encode(), "expected a JSON object"),
    ],
)
def test_unreadable_answers(one_try: Hub, sim: ScriptedSimulator, body: bytes, reason: str) -> None:
    sim.script.append((200, body))
    with pytest.raises(ProviderResponseError, match=reason):
        one_try.get(ADAPTER, JOB_ID)


def test_malformed_errors_list(hub: Hub, sim: ScriptedSimulator) -> None:
    sim.script.append((200, {"errors": {"row": 2}}))
    with pytest.raises(ProviderResponseError, match="errors is a dict"):
        list(hub.results(ADAPTER, JOB_ID))
    sim.script.append((200, {}))
    assert list(hub.results(ADAPTER, JOB_ID)) == []


def test_list_with_a_repeating_cursor_stops(hub: Hub, sim: ScriptedSimulator) -> None:
    sim.concurrent_limit = 50
    for _ in range(2):
        hub.submit(ADAPTER, CustomObjectJobRequest("v", "delete", filter=["a EQ 1"]))
    first = next(iter(sim.jobs.values())).body(sim.clock.now())

    def stuck(request: Request) -> Response:
        return sim.json_response({"count": 1, "cursor": "same", "jobs": [first]})

    sim.on_list_jobs = stuck  # type: ignore[method-assign]
    with pytest.raises(ProviderResponseError, match="repeats"):
        list(hub.list_jobs(ADAPTER, page_size=1))
