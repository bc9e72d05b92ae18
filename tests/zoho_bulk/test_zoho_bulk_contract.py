"""The adapter contract every jobadapter adapter passes, run on both bulk adapters."""

from __future__ import annotations

from typing import Any

from jobadapter import Job, JobStatus
from jobadapter.sandbox import SimClock, Simulator
from jobadapter.testing.contract import AdapterContract, SimulatorRun
from jobadapter_zoho_bulk import (
    READ_STATUSES,
    WRITE_STATUSES,
    BulkReadAdapter,
    BulkReadRequest,
    BulkWriteAdapter,
    BulkWriteRequest,
)
from jobadapter_zoho_bulk.simulator import ZohoBulkSimulator
from zoho_bulk_samples import PLUGINS, READ_ID, WRITE_ID, read_answer, write_answer

FAILING = {"field": {"api_name": "Email"}, "comparator": "equal", "value": "FAIL"}
ROWS = ({"Last_Name": "A"}, {"Last_Name": "B"})


def _read(criteria: Any = None) -> Any:
    def run(run: SimulatorRun) -> Job:
        job = run.submit(BulkReadRequest("Leads", criteria=criteria))
        return run.until_terminal(job.id, step=2.0)

    return run


def _write(rows: Any) -> Any:
    def run(run: SimulatorRun) -> Job:
        job = run.submit(BulkWriteRequest("Leads", rows=rows))
        return run.until_terminal(job.id, step=2.0)

    return run


class TestZohoBulkReadContract(AdapterContract):
    adapter_class = BulkReadAdapter
    documented_statuses = READ_STATUSES
    samples = {
        "added": (read_answer("ADDED"), READ_ID, JobStatus.PENDING),
        "in progress": (read_answer("IN PROGRESS"), READ_ID, JobStatus.RUNNING),
        "completed": (read_answer("COMPLETED", result=True), READ_ID, JobStatus.SUCCEEDED),
        "more": (read_answer("COMPLETED", result=True, more=True), READ_ID, JobStatus.SUCCEEDED),
        "failure": (read_answer("FAILURE"), READ_ID, JobStatus.FAILED),
    }
    plugins = PLUGINS
    simulator_class = ZohoBulkSimulator
    terminal_scenarios = {JobStatus.SUCCEEDED: _read(), JobStatus.FAILED: _read(FAILING)}

    def make_simulator(self) -> Simulator:
        return ZohoBulkSimulator(clock=SimClock(speed=0))

    def submit_request(self) -> Any:
        return BulkReadRequest("Leads", fields=("Last_Name",))


class TestZohoBulkWriteContract(AdapterContract):
    adapter_class = BulkWriteAdapter
    documented_statuses = WRITE_STATUSES
    samples = {
        "added": (write_answer("ADDED"), WRITE_ID, JobStatus.PENDING),
        "in progress": (write_answer("IN PROGRESS", added=1), WRITE_ID, JobStatus.RUNNING),
        "completed": (write_answer("COMPLETED", added=2, skipped=1), WRITE_ID, JobStatus.SUCCEEDED),
        "failed": (write_answer("FAILED", skipped=3), WRITE_ID, JobStatus.FAILED),
        "skipped": (write_answer("SKIPPED", total=0), WRITE_ID, JobStatus.FAILED),
    }
    plugins = PLUGINS
    simulator_class = ZohoBulkSimulator
    terminal_scenarios = {
        JobStatus.SUCCEEDED: _write(ROWS),
        JobStatus.FAILED: _write(({"Last_Name": "FAIL"},)),
    }
    profile_settings = {"org_id": "4150868000000000001"}

    def make_simulator(self) -> Simulator:
        return ZohoBulkSimulator(clock=SimClock(speed=0))

    def submit_request(self) -> Any:
        return BulkWriteRequest("Leads", rows=ROWS)
