"""Recorded bulk read and bulk write flows, replayed offline through ``jobadapter.testing``.

Replay (the default, and always in CI) needs no server and no credentials: the
profile points at loopback addresses that are never contacted. The write flow's
upload (multipart, a zip, to the content host) replays too: the testing kit
matches uploads on their parts, so a different boundary or zip time still matches.
With ``JOBADAPTER_RECORD=1`` the flows are recorded against the simulator (see
cassettes/zoho_bulk/README.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from jobadapter import Hub, JobStatus
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.model import Job
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.testing import REDACTED, make_vcr, record_mode
from jobadapter.transport import Transport
from jobadapter_zoho_bulk import BulkReadRequest, BulkWriteRequest, zipcsv
from jobadapter_zoho_bulk.simulator import ORG_ID, ZohoBulkSimulator
from zoho_bulk_samples import PLUGINS

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "zoho_bulk"
ROWS = (
    {"Last_Name": "Ada", "Email": "ada@example.com"},
    {"Last_Name": "Grace", "Email": "FAIL"},
    {"Last_Name": "Edsger", "Email": "edsger@example.com"},
)


@contextmanager
def recorded(name: str) -> Iterator[tuple[Hub, Callable[[float], None]]]:
    """A hub on the cassette: replayed (loopback never contacted) or recorded on the simulator."""
    if record_mode() == "none":
        table = {
            "provider": "zoho",
            "accounts_url": "http://127.0.0.1:9",
            "base_url": "http://127.0.0.1:9",
            "content_url": "http://localhost:9",
            "client_id": "sandbox-client-id",
            "client_secret": "sandbox-client-secret",
            "refresh_token": "sandbox-refresh-token",
            "org_id": ORG_ID,
        }
        with _hub(profile_from_mapping("zoho-cassette", table), name) as hub:
            yield hub, lambda _s: None
        return
    clock = SimClock(speed=0)
    sim = ZohoBulkSimulator(clock=clock)
    sim.add_records("Leads", 12)
    with (
        SandboxServer(sim),
        _hub(profile_from_mapping("zoho-cassette", sim.profile()), name) as hub,
    ):
        yield hub, clock.advance


@contextmanager
def _hub(profile: Profile, name: str) -> Iterator[Hub]:
    with make_vcr(CASSETTES).use_cassette(name):
        transport = Transport(retry=RetryPolicy(max_attempts=1))
        with Hub(
            profiles=[profile], plugins=PLUGINS, load_entrypoints=False, transport=transport
        ) as hub:
            yield hub


def _until_done(hub: Hub, job: Job, advance: Callable[[float], None]) -> list[Job]:
    seen = [job]
    while not seen[-1].is_terminal and len(seen) < 50:
        advance(1.0)
        seen.append(hub.get(job.adapter, job.id))
    return seen


def test_read_flow_from_cassette() -> None:
    with recorded("read_flow.yaml") as (hub, advance):
        job = hub.submit("zoho.bulk_read", BulkReadRequest("Leads", fields=("Last_Name",)))
        seen = _until_done(hub, job, advance)
        rows = list(hub.results("zoho.bulk_read", job.id))
    final = seen[-1]
    assert final.status is JobStatus.SUCCEEDED and final.counts.total == 12
    assert seen[0].native_status == "ADDED"
    assert len(rows) == 12 and rows[0]["Last_Name"] == "Last_Name 0"


def test_write_flow_with_its_upload_from_cassette(monkeypatch: pytest.MonkeyPatch) -> None:
    if record_mode() == "none":  # replay a zip timed otherwise: uploads match on parts
        monkeypatch.setattr(zipcsv, "ZIP_EPOCH", (2001, 2, 3, 4, 5, 6))
    with recorded("write_flow.yaml") as (hub, advance):
        request = BulkWriteRequest(
            "Leads", "insert", rows=ROWS, callback_url="https://cb.example/w"
        )
        job = hub.submit("zoho.bulk_write", request)
        assert job.counts.total == 3 and job.callback_url == "https://cb.example/w"
        final = _until_done(hub, job, advance)[-1]
        rows = list(hub.results("zoho.bulk_write", job.id))
    assert final.status is JobStatus.SUCCEEDED
    assert (final.counts.total, final.counts.succeeded, final.counts.failed) == (3, 2, 1)
    assert [r["STATUS"] for r in rows] == ["ADDED", "SKIPPED", "ADDED"]


@pytest.mark.parametrize("name", ["read_flow.yaml", "write_flow.yaml"])
def test_cassettes_hold_no_secrets(name: str) -> None:
    text = (CASSETTES / name).read_text(encoding="utf-8")
    for secret in ("sandbox-client-secret", "sandbox-refresh-token", "Zoho-oauthtoken 1000."):
        assert secret not in text
    for interaction in yaml.safe_load(text)["interactions"]:
        headers = {k.lower(): v for k, v in interaction["request"]["headers"].items()}
        if "authorization" in headers:
            assert headers["authorization"] == [f"Zoho-oauthtoken {REDACTED}"]
