"""The adapter contract every jobadapter adapter passes, run on ``zuora.custom_object_job``."""

from __future__ import annotations

from typing import Any

import jobadapter_zuora_common.plugin as common_plugin
import jobadapter_zuora_custom_objects.plugin as co_plugin
import jobadapter_zuora_custom_objects.samples as samples
from jobadapter import Job, JobStatus
from jobadapter.sandbox import SimClock, Simulator
from jobadapter.testing.contract import AdapterContract, SimulatorRun
from jobadapter_zuora_custom_objects import CustomObjectJobRequest
from jobadapter_zuora_custom_objects.custom_object_job import (
    DOCUMENTED_STATUSES,
    CustomObjectJobAdapter,
)
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator

# The documented answers, verbatim (page and spec examples; see the plugin's samples module).
PAGE_SAMPLE = samples.as_dict(samples.GET_JOB)
UPLOAD_EXAMPLE = samples.as_dict(samples.UPLOAD_ANSWER)
CANCEL_EXAMPLE = samples.as_dict(samples.CANCEL_ANSWER)
LISTED_COMPLETED = samples.as_dict(samples.LISTED_COMPLETED)
LISTED_PENDING = samples.as_dict(samples.LISTED_PENDING)


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
