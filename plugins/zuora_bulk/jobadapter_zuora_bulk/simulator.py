"""``zuora_bulk``: one simulated Zuora tenant serving both job APIs of this plugin.

Mass Updater (``/v1/bulk``) and Bulk Data (``/bulk-data/bulk-jobs``) share a
base URL at Zuora, so one simulator (one profile) serves both, with the
token endpoint and the storage host the Bulk Data uploads go to. Options of
both parts are keyword arguments (see :class:`MassUpdaterSimulator` and
:class:`BulkDataSimulator`); ``jobadapter sandbox`` uses the defaults.
"""

from __future__ import annotations

from typing import ClassVar

from jobadapter.sandbox import DemoRequest

from jobadapter_zuora_bulk.requests import BulkJobRequest, MassUpdateRequest
from jobadapter_zuora_bulk.sim_bulk_data import BulkDataSimulator
from jobadapter_zuora_bulk.sim_data import FAIL_MARK, csv_bytes
from jobadapter_zuora_bulk.sim_mass_updater import MassUpdaterSimulator


class ZuoraBulkSimulator(MassUpdaterSimulator, BulkDataSimulator):
    """A Zuora tenant with Mass Updater and Bulk Data jobs, on loopback."""

    name: ClassVar[str] = "zuora_bulk"

    def demo_requests(self) -> list[DemoRequest]:
        """A mass action with 3 of 120 rows marked to fail, and an account update of 80
        rows, 4 of them marked to fail."""
        codes = csv_bytes(
            ["Id", "AccountingCode"],
            (
                [f"8a8082c45a{i:022d}", FAIL_MARK if i % 40 == 7 else f"REV-{i % 9}"]
                for i in range(120)
            ),
        )
        accounts = csv_bytes(
            ["Id", "Name"],
            (
                [f"2c92c0f8{i:024d}", f"Account {i}" + (f" {FAIL_MARK}" if i % 20 == 3 else "")]
                for i in range(80)
            ),
        )
        return [
            DemoRequest(
                "zuora.mass_updater",
                MassUpdateRequest(
                    file=codes, action_type="UpdateAccountingCode", filename="codes.csv"
                ),
                "update 120 accounting codes (3 marked to fail)",
            ),
            DemoRequest(
                "zuora.bulk_job",
                BulkJobRequest(
                    file=accounts,
                    name="demo account update",
                    object_type="Account",
                    job_type="Update",
                    filename="accounts.csv",
                ),
                "update 80 accounts (4 marked to fail)",
            ),
        ]
