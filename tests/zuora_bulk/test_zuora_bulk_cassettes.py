"""Flow tests replayed from cassettes (``cassettes/zuora_bulk/``): submit -> poll to
terminal -> results, and the cancel paths, for both adapters.

Replay is the default and never touches the network. ``JOBADAPTER_RECORD=1`` (never
in CI) records missing cassettes against the simulator, or against a real Zuora
sandbox tenant when ``ZUORA_BASE_URL``, ``ZUORA_CLIENT_ID`` and ``ZUORA_CLIENT_SECRET``
are set (see ``cassettes/zuora_bulk/README.md``). The assertions hold for any
tenant: they check the shape and the consistency of what was recorded, not the
simulator's particular numbers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import attrs
import jobadapter_zuora_bulk.plugin as bulk_plugin
import jobadapter_zuora_common.plugin as common_plugin
import pytest
from jobadapter import Hub, Job, JobStatus
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.testing import FakeSleeper, record_mode
from jobadapter.transport import Transport
from jobadapter_zuora_bulk import BulkJobRequest, MassUpdateRequest
from jobadapter_zuora_bulk.simulator import ZuoraBulkSimulator
from zuora_bulk_support import BULK, MASS, START

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "zuora_bulk"
INPUTS = CASSETTES / "inputs"

#: Where replayed requests go: loopback recordings are normalised to this host.
REPLAY_BASE = "http://sandbox.invalid"


@attrs.define
class Target:
    """Who answers: the cassette (replay), the simulator or a real tenant (recording)."""

    profile: Profile
    wait: Callable[[], None]
    live: bool = False
    replay: bool = False


def _tenant_profile() -> Profile:
    table = {
        "provider": "zuora",
        "base_url": os.environ["ZUORA_BASE_URL"],
        "client_id_env": "ZUORA_CLIENT_ID",
        "client_secret_env": "ZUORA_CLIENT_SECRET",
        "timezone": os.environ.get("ZUORA_TIMEZONE", "UTC"),
    }
    return profile_from_mapping("zuora-tenant", table, source="<environment>")


@pytest.fixture()
def target() -> Iterator[Target]:
    if record_mode() == "none":
        table = {
            "provider": "zuora",
            "base_url": REPLAY_BASE,
            "client_id": "replay-client",
            "client_secret": "replay-secret",
        }
        yield Target(profile_from_mapping("replay", table), wait=lambda: None, replay=True)
    elif os.environ.get("ZUORA_BASE_URL"):
        yield Target(_tenant_profile(), wait=lambda: time.sleep(5.0), live=True)
    else:
        sim = ZuoraBulkSimulator(clock=SimClock(speed=0, start=START), seed=2024)
        with SandboxServer(sim):
            yield Target(
                profile_from_mapping("zuora-sim", sim.profile()),
                wait=lambda: sim.clock.advance(1.0),
            )


@pytest.fixture()
def hub(target: Target, tmp_path: Path) -> Iterator[Hub]:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    with Hub(
        config=config,
        profiles=[target.profile],
        plugins=[common_plugin, bulk_plugin],
        load_entrypoints=False,
        transport=Transport(sleep=FakeSleeper()),
    ) as running:
        yield running


#: Presigned upload fields a real tenant's create answer carries: short-lived storage
#: credentials that would sit in the cassette (request and answer) unless scrubbed.
PRESIGNED_SECRETS = ("x-amz-security-token", "x-amz-signature", "x-amz-credential", "policy")


def require_presigned_scrubbing(target: Target) -> None:
    """Refuse to record Bulk Data against a real tenant while the shared scrubber would
    keep its presigned credentials (the simulator's are fakes)."""
    if not target.live:
        return
    from jobadapter.testing import vcr as kit

    missing = [
        f for f in PRESIGNED_SECRETS if f not in kit.BODY_SECRET_FIELDS | kit.FORM_SECRET_FIELDS
    ]
    if missing:
        pytest.fail(
            f"jobadapter.testing.vcr does not scrub {missing} yet; recording a Bulk Data job "
            "against a real tenant would store live presigned credentials in the cassette"
        )


def until_terminal(hub: Hub, adapter: str, job_id: str, wait: Callable[[], None]) -> Job:
    for _ in range(720):
        job = hub.get(adapter, job_id)
        if job.is_terminal:
            return job
        wait()
    raise AssertionError(f"{adapter} job {job_id} did not finish")


def consistent(job: Job) -> None:
    counts = job.counts
    assert counts.succeeded is not None and counts.failed is not None
    assert counts.processed == counts.succeeded + counts.failed


def outcomes(rows: list[dict[str, Any]]) -> dict[str, int]:
    tally: dict[str, int] = {}
    for row in rows:
        tally[row["_outcome"]] = tally.get(row["_outcome"], 0) + 1
    return tally


def test_mass_updater_submit_poll_results(hub: Hub, target: Target, jobadapter_vcr: Any) -> None:
    with jobadapter_vcr.use_cassette("mass_updater_submit_poll_results.yaml") as cassette:
        job = hub.submit(
            MASS, MassUpdateRequest(INPUTS / "accounting_codes.csv", "UpdateAccountingCode")
        )
        assert job.status is JobStatus.PENDING and job.id
        done = until_terminal(hub, MASS, job.id, target.wait)
        rows = list(hub.results(MASS, job.id))
    assert done.status is JobStatus.SUCCEEDED and done.native_status == "Completed"
    consistent(done)
    assert done.counts.total == len(rows)
    assert outcomes(rows).get("failed", 0) == done.counts.failed
    assert done.created_at is not None and done.ended_at is not None and done.result_url
    if target.replay:
        assert cassette.all_played


def test_mass_updater_stop(hub: Hub, target: Target, jobadapter_vcr: Any) -> None:
    with jobadapter_vcr.use_cassette("mass_updater_stop.yaml") as cassette:
        job = hub.submit(
            MASS, MassUpdateRequest(INPUTS / "accounting_codes.csv", "UpdateAccountingCode")
        )
        stopping = hub.cancel(MASS, job.id)
        done = until_terminal(hub, MASS, job.id, target.wait)
    assert stopping.status in (JobStatus.CANCELLING, JobStatus.CANCELLED)
    assert done.status is JobStatus.CANCELLED and done.native_status == "Stopped"
    if target.replay:
        assert cassette.all_played


def test_bulk_job_submit_poll_results(hub: Hub, target: Target, jobadapter_vcr: Any) -> None:
    request = BulkJobRequest(
        INPUTS / "accounts.csv", "jobadapter cassette", "Account", job_type="Update"
    )
    require_presigned_scrubbing(target)
    with jobadapter_vcr.use_cassette("bulk_job_submit_poll_results.yaml") as cassette:
        job = hub.submit(BULK, request)
        assert job.native_status == "Submitted"
        done = until_terminal(hub, BULK, job.id, target.wait)
        rows = list(hub.results(BULK, job.id))
        listed = list(islice(hub.list_jobs(BULK, limit=1), 1))
    assert done.status is JobStatus.SUCCEEDED and done.target == "Account"
    consistent(done)
    tally = outcomes(rows)
    assert tally.get("failed", 0) == done.counts.failed
    assert tally.get("succeeded", 0) == done.counts.succeeded
    assert listed and listed[0].adapter == BULK
    if target.replay:
        assert cassette.all_played


def test_bulk_job_abort(hub: Hub, target: Target, jobadapter_vcr: Any) -> None:
    request = BulkJobRequest(
        INPUTS / "accounts.csv", "jobadapter cassette abort", "Account", job_type="Update"
    )
    require_presigned_scrubbing(target)
    with jobadapter_vcr.use_cassette("bulk_job_abort.yaml") as cassette:
        job = hub.submit(BULK, request)
        aborting = hub.cancel(BULK, job.id)
        done = until_terminal(hub, BULK, job.id, target.wait)
    assert aborting.status in (JobStatus.CANCELLING, JobStatus.CANCELLED)
    assert done.status is JobStatus.CANCELLED
    if target.replay:
        assert cassette.all_played


def test_cassettes_hold_no_secrets() -> None:
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) == 4
    for path in files:
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if "Bearer " in line:
                assert "Bearer <redacted>" in line, f"{path.name}: {line.strip()}"
            if "access_token" in line or "client_secret" in line:
                assert "<redacted>" in line, f"{path.name}: {line.strip()}"
        assert "sandbox-secret" not in text and "sandbox-client" not in text
        assert "127.0.0.1" not in text
