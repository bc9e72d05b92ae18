"""The core's adapter contract, run against both adapters of this plugin, plus discovery
through the installed entry points."""

from __future__ import annotations

from typing import Any, ClassVar

import jobadapter_zuora_bulk.plugin as bulk_plugin
import jobadapter_zuora_common.plugin as common_plugin
from jobadapter import Hub, Job, JobStatus
from jobadapter.sandbox import SimClock, Simulator
from jobadapter.testing import AdapterContract, SimulatorRun
from jobadapter_zuora_bulk import (
    BulkJobAdapter,
    BulkJobRequest,
    MassUpdaterAdapter,
    MassUpdateRequest,
)
from jobadapter_zuora_bulk.bulk_job import DOCUMENTED_STATUSES as BULK_STATUSES
from jobadapter_zuora_bulk.mass_updater import DOCUMENTED_STATUSES as MASS_STATUSES
from jobadapter_zuora_bulk.simulator import ZuoraBulkSimulator
from zuora_bulk_support import START, csv_rows, sample

KEY = "402892f04c97b89a014c97bb30a50003"


def mass_succeeds(run: SimulatorRun) -> Job:
    job = run.submit(MassUpdateRequest(csv_rows(7, failing=(3,)), "UpdateAccountingCode"))
    done = run.until_terminal(job.id, step=1.0)
    assert done.counts.failed == 1
    return done


def mass_fails(run: SimulatorRun) -> Job:
    job = run.submit(MassUpdateRequest(b"Accounting Code Name,Type\n", "UpdateAccountingCode"))
    return run.until_terminal(job.id, step=1.0)


def mass_stopped(run: SimulatorRun) -> Job:
    job = run.submit(MassUpdateRequest(csv_rows(30), "DeleteRevenueSchedule"))
    run.advance(3.0)
    assert run.cancel(job.id).status is JobStatus.CANCELLING
    return run.until_terminal(job.id, step=1.0)


def bulk_succeeds(run: SimulatorRun) -> Job:
    job = run.submit(BulkJobRequest(csv_rows(9, failing=(9,)), "contract", "Account"))
    done = run.until_terminal(job.id, step=1.0)
    assert done.counts.failed == 1
    return done


def bulk_fails(run: SimulatorRun) -> Job:
    job = run.submit(BulkJobRequest(b"Name\n", "contract", "Account"))
    return run.until_terminal(job.id, step=1.0)


def bulk_aborted(run: SimulatorRun) -> Job:
    job = run.submit(BulkJobRequest(csv_rows(30), "contract", "Account"))
    run.advance(3.0)
    run.cancel(job.id)
    return run.until_terminal(job.id, step=1.0)


class _ZuoraBulkContract(AdapterContract):
    abstract = True
    plugins: ClassVar[tuple[object, ...]] = (common_plugin, bulk_plugin)
    simulator_class = ZuoraBulkSimulator

    def make_simulator(self) -> Simulator:
        return ZuoraBulkSimulator(clock=SimClock(speed=0, start=START))


class TestMassUpdaterContract(_ZuoraBulkContract):
    adapter_class = MassUpdaterAdapter
    documented_statuses = MASS_STATUSES
    samples: ClassVar[dict[str, Any]] = {
        "page sample": (sample("mass_updater_get_page_sample.json"), KEY, JobStatus.SUCCEEDED),
        "spec example": (sample("mass_updater_get_spec_example.json"), KEY, JobStatus.SUCCEEDED),
        "pending": (
            {"status": "Pending", "totalCount": None, "success": True},
            KEY,
            JobStatus.PENDING,
        ),
    }
    terminal_scenarios = {
        JobStatus.SUCCEEDED: mass_succeeds,
        JobStatus.FAILED: mass_fails,
        JobStatus.CANCELLED: mass_stopped,
    }

    def submit_request(self) -> Any:
        return MassUpdateRequest(csv_rows(2), "UpdateAccountingCode")


class TestBulkJobContract(_ZuoraBulkContract):
    adapter_class = BulkJobAdapter
    documented_statuses = BULK_STATUSES
    samples: ClassVar[dict[str, Any]] = {
        "page sample": (sample("bulk_job_summary_page_sample.json"), None, JobStatus.RUNNING),
        "iso": (
            {
                "id": "j",
                "status": "Completed",
                "createdAt": "2024-01-01T00:00:00Z",
                "rowCount": "1",
            },
            None,
            JobStatus.SUCCEEDED,
        ),
    }
    terminal_scenarios = {
        JobStatus.SUCCEEDED: bulk_succeeds,
        JobStatus.FAILED: bulk_fails,
        JobStatus.CANCELLED: bulk_aborted,
    }

    def submit_request(self) -> Any:
        return BulkJobRequest(csv_rows(2), "contract", "Account")


def test_installed_plugins_are_discovered() -> None:
    with Hub(load_entrypoints=True, profiles=[]) as hub:
        assert {"zuora.mass_updater", "zuora.bulk_job"} <= set(hub.adapters())
        registry = hub.plugins.registry
        assert registry.simulators["zuora_bulk"] is ZuoraBulkSimulator
        info = next(i for i in hub.plugin_infos() if i.name == "zuora_bulk")
        assert info.adapters == ("zuora.bulk_job", "zuora.mass_updater")
        assert info.simulators == ("zuora_bulk",)
        assert info.distribution == "jobadapter-zuora-bulk"
