"""The adapter contract every jobadapter adapter passes, run on ``zuora.custom_object_job``."""

from __future__ import annotations

from typing import Any

import jobadapter_zuora_common.plugin as common_plugin
import jobadapter_zuora_custom_objects.plugin as co_plugin
from jobadapter import Job, JobStatus
from jobadapter.sandbox import SimClock, Simulator
from jobadapter.testing.contract import AdapterContract, SimulatorRun
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.custom_object_job import (
    DOCUMENTED_STATUSES,
    CustomObjectJobAdapter,
)
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator

# The documented answers, verbatim: pages/zuora-get-custom-object-bulk-job.md and the
# examples of specs/zuora-custom-object-jobs-api-openapi.yml.
PAGE_SAMPLE = {
    "CreatedById": "7b39d73f-22e6-404a-b8e7-894f7620e91c",
    "CreatedDate": "2021-03-15T06:47:18Z",
    "Id": "ed4b9701-bafb-4976-8019-b08269430153",
    "UpdatedById": "7b39d73f-22e6-404a-b8e7-894f7620e91c",
    "UpdatedDate": "2021-03-15T06:47:18Z",
    "error": {"code": 71012560, "message": "Service limit reached, please retry later."},
    "namespace": "default",
    "object": "passenger",
    "operation": "delete",
    "processingTime": 1882,
    "recordsProcessed": 500,
    "status": "failed",
}
UPLOAD_EXAMPLE = {
    "Id": "5112347a-f7a1-4373-99df-c082984de7be",
    "CreatedById": "2c92c0f96a07409d016a0a58ab1172ec",
    "UpdatedById": "2c92c0f96a07409d016a0a58ab1172ec",
    "CreatedDate": "2021-03-10T00:05:54.207Z",
    "UpdatedDate": "2021-03-10T00:08:15.539Z",
    "operation": "create",
    "namespace": "default",
    "object": "vehicle",
    "status": "in_progress",
    "processingTime": 0,
    "recordsProcessed": 0,
}
CANCEL_EXAMPLE = {
    "Id": "7f19b861-5ec7-479b-935c-fcfbd6477655",
    "CreatedById": "11e64eef-ada8-786d-9658-00259058c29c",
    "UpdatedById": "0fdfc048-0a9e-433f-ad23-d50e31448b2e",
    "CreatedDate": "2022-12-01T21:24:04.337Z",
    "UpdatedDate": "2022-12-01T21:37:43.212Z",
    "operation": "create",
    "namespace": "default",
    "object": "jobtest",
    "status": "cancelled",
    "processingTime": 0,
    "recordsProcessed": 0,
}
LISTED_COMPLETED = {
    "CreatedById": "2c92c0f96a07409d016a0a58ab1172ec",
    "CreatedDate": "2021-03-10T00:05:54.207Z",
    "Id": "5112347a-f7a1-4373-99df-c082984de7be",
    "UpdatedById": "2c92c0f96a07409d016a0a58ab1172ec",
    "UpdatedDate": "2021-03-10T00:08:15.614Z",
    "namespace": "default",
    "object": "vehicle",
    "operation": "create",
    "processingTime": 62,
    "recordsProcessed": 3,
    "status": "completed",
}
LISTED_PENDING = {
    "CreatedById": "2c92c0f96a07409d016a0a58ab1172ec",
    "CreatedDate": "2021-03-09T22:27:59.503Z",
    "Id": "a9e9a58d-0a11-4685-b1ab-99521dbc20a1",
    "UpdatedById": "2c92c0f96a07409d016a0a58ab1172ec",
    "UpdatedDate": "2021-03-09T22:27:59.503Z",
    "namespace": "default",
    "object": "vehicle",
    "operation": "create",
    "processingTime": 0,
    "recordsProcessed": 0,
    "status": "pending",
}


def run_to_success(run: SimulatorRun) -> Job:
    job = run.submit(CustomObjectJobRequest("vehicle", "create", file=b"make__c\nVolvo\nFAIL\n"))
    done = run.until_terminal(job.id)
    assert done.counts.failed == 1, done.counts
    return done


def run_to_failure(run: SimulatorRun) -> Job:
    job = run.submit(CustomObjectJobRequest("vehicle", "create", file=b"make__c\nFAIL\n"))
    return run.until_terminal(job.id)


def run_to_cancel(run: SimulatorRun) -> Job:
    job = run.submit(CustomObjectJobRequest("vehicle", "delete", filter=["age__c GT 99"]))
    assert job.status is JobStatus.PENDING
    return run.cancel(job.id)


class TestCustomObjectJobContract(AdapterContract):
    adapter_class = CustomObjectJobAdapter
    documented_statuses = DOCUMENTED_STATUSES
    samples = {
        "page: failed job": (PAGE_SAMPLE, None, JobStatus.FAILED),
        "spec: upload answer": (UPLOAD_EXAMPLE, None, JobStatus.RUNNING),
        "spec: cancel answer": (CANCEL_EXAMPLE, None, JobStatus.CANCELLED),
        "spec: listed completed": (LISTED_COMPLETED, None, JobStatus.SUCCEEDED),
        "spec: listed pending": (LISTED_PENDING, None, JobStatus.PENDING),
    }
    plugins = (common_plugin, co_plugin)
    simulator_class = CustomObjectJobsSimulator
    terminal_scenarios = {
        JobStatus.SUCCEEDED: run_to_success,
        JobStatus.FAILED: run_to_failure,
        JobStatus.CANCELLED: run_to_cancel,
    }

    def make_simulator(self) -> Simulator:
        return CustomObjectJobsSimulator(clock=SimClock(speed=0))

    def submit_request(self) -> Any:
        return CustomObjectJobRequest("vehicle", "create", file=b"make__c\nVolvo\n")
