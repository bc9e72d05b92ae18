"""Zuora's Mass Updater sends times with no zone (the tenant's). The sandbox's tenant
is not in UTC, so reading them as UTC shows here; a profile without ``timezone``
is read as UTC and the hub says so once, loudly."""

from __future__ import annotations

import logging
from pathlib import Path

import jobadapter_zuora_bulk.plugin as bulk_plugin
import jobadapter_zuora_common.plugin as common_plugin
import pytest
from jobadapter import Hub
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.transport import Transport
from jobadapter_zuora_bulk import MassUpdateRequest
from jobadapter_zuora_bulk.simulator import ZuoraBulkSimulator
from jobadapter_zuora_common.simulator import DEFAULT_TENANT_TIMEZONE
from zuora_bulk_support import MASS, Sleeper, csv_rows


def _hub(profile: Profile, clock: SimClock) -> Hub:
    return Hub(
        profiles=[profile],
        plugins=[common_plugin, bulk_plugin],
        load_entrypoints=False,
        transport=Transport(sleep=Sleeper(clock)),
    )


@pytest.fixture()
def zoneless(server: SandboxServer, sim: ZuoraBulkSimulator) -> Profile:
    settings = {k: v for k, v in sim.profile().items() if k != "timezone"}
    return profile_from_mapping("no-zone", settings)


@pytest.fixture()
def file(tmp_path: Path) -> Path:
    path = tmp_path / "codes.csv"
    path.write_bytes(csv_rows(5))
    return path


def test_sandbox_tenant_is_not_in_utc() -> None:
    assert DEFAULT_TENANT_TIMEZONE != "UTC"


def test_profile_timezone_reads_the_tenants_times_right(
    hub: Hub, clock: SimClock, file: Path
) -> None:
    submitted_at = clock.time()
    job = hub.submit(MASS, MassUpdateRequest(file, "UpdateAccountingCode"))
    seen = hub.get(MASS, job.id)
    assert seen.created_at is not None
    assert abs(seen.created_at.timestamp() - submitted_at) < 1.0


def test_profile_without_timezone_reads_utc_and_warns_once(
    zoneless: Profile, clock: SimClock, file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), _hub(zoneless, clock) as hub:
        submitted_at = clock.time()
        job = hub.submit(MASS, MassUpdateRequest(file, "UpdateAccountingCode"))
        seen = hub.get(MASS, job.id)
        hub.get(MASS, job.id)
    assert seen.created_at is not None
    # The tenant's wall-clock time taken as UTC: off by the tenant's offset (hours).
    assert abs(seen.created_at.timestamp() - submitted_at) >= 3600
    warnings = [r.getMessage() for r in caplog.records if "timezone" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "'no-zone'" in warnings[0] and "zuora.mass_updater" in warnings[0]
    assert "read as UTC" in warnings[0]


def test_adapters_with_zoned_times_do_not_warn(
    zoneless: Profile, clock: SimClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), _hub(zoneless, clock) as hub:
        hub.adapter("zuora.bulk_job", profile="no-zone")
    assert not [r for r in caplog.records if "timezone" in r.getMessage()]
