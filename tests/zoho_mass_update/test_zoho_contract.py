"""The adapter contract every jobadapter adapter passes, run on ``zoho.mass_update``."""

from __future__ import annotations

import json
from typing import Any

import jobadapter_zoho_common.plugin as zoho_common_plugin
import jobadapter_zoho_mass_update.plugin as zoho_plugin
from jobadapter import Job, JobStatus
from jobadapter.sandbox import SimClock, Simulator
from jobadapter.testing.contract import AdapterContract, SimulatorRun
from jobadapter_zoho_mass_update import MassUpdateAdapter, MassUpdateRequest
from jobadapter_zoho_mass_update.mass_update import DOCUMENTED_STATUSES
from jobadapter_zoho_mass_update.simulator import ZohoMassUpdateSimulator
from zoho_samples import SAMPLE_COMPLETED, SAMPLE_FAILED, SAMPLE_RUNNING, SAMPLE_SCHEDULED

JOB_ID = "Accounts:554023000000506003"


def _succeeds(run: SimulatorRun) -> Job:
    job = run.submit(MassUpdateRequest("Leads", {"Lead_Status": "Contacted"}, cvid="1001"))
    return run.until_terminal(job.id, step=2.0)


def _fails(run: SimulatorRun) -> Job:
    job = run.submit(MassUpdateRequest("Leads", {"Lead_Status": "FAIL"}, cvid="1002"))
    return run.until_terminal(job.id, step=2.0)


class TestZohoMassUpdateContract(AdapterContract):
    adapter_class = MassUpdateAdapter
    documented_statuses = DOCUMENTED_STATUSES
    samples = {
        "completed": (json.loads(SAMPLE_COMPLETED), JOB_ID, JobStatus.SUCCEEDED),
        "failed": (json.loads(SAMPLE_FAILED), JOB_ID, JobStatus.FAILED),
        "scheduled": (json.loads(SAMPLE_SCHEDULED), JOB_ID, JobStatus.PENDING),
        "running": (json.loads(SAMPLE_RUNNING), JOB_ID, JobStatus.RUNNING),
    }
    plugins = (zoho_common_plugin, zoho_plugin)
    simulator_class = ZohoMassUpdateSimulator
    terminal_scenarios = {JobStatus.SUCCEEDED: _succeeds, JobStatus.FAILED: _fails}
    # a default module, so the contract's bare job ids reach the (failing) server
    profile_settings = {"module": "Leads"}

    def make_simulator(self) -> Simulator:
        return ZohoMassUpdateSimulator(clock=SimClock(speed=0))

    def submit_request(self) -> Any:
        return MassUpdateRequest("Leads", {"Lead_Status": "Contacted"}, cvid="1001")
