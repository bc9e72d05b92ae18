"""Recorded flows, replayed offline through ``jobadapter.testing``'s scrubbing vcr config.

Replay (the default, and always in CI) needs no server and no credentials: the
profile points at a loopback address that is never contacted. With
``JOBADAPTER_RECORD=1`` the flows are recorded against the simulator, or,
when ``ZOHO_CLIENT_ID``/``ZOHO_CLIENT_SECRET``/``ZOHO_REFRESH_TOKEN`` are set,
against a real Zoho sandbox org (see cassettes/zoho_mass_update/README.md).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import jobadapter_zoho_common.plugin as zoho_common_plugin
import jobadapter_zoho_mass_update.plugin as zoho_plugin
import pytest
import yaml
from jobadapter import Hub, JobStatus
from jobadapter.config import Profile, profile_from_mapping
from jobadapter.errors import InvalidRequest, NotFound
from jobadapter.model import Job
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.testing import REDACTED, SANDBOX_HOST, make_vcr, record_mode
from jobadapter.transport import Transport
from jobadapter_zoho_mass_update import MassUpdateRequest
from jobadapter_zoho_mass_update.simulator import ZohoMassUpdateSimulator

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes" / "zoho_mass_update"
ADAPTER = "zoho.mass_update"
#: The custom view the simulator recording uses: 20 records, 2 of which fail.
SIM_CVID = "4150868000000087001"
REAL_ENV = ("ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN")


#: Record ids the simulator recording updates, plus one that is not a record, so the
#: immediate answer carries a per-record error.
SIM_IDS = ("4150868000000100001", "4150868000000100002")
BAD_ID = "4150868000000FAIL9"


@attrs.frozen
class Target:
    """Where a flow runs (profile, how time passes between polls) and what it updates."""

    profile: Profile
    advance: Callable[[float], None]
    simulated: bool
    module: str = "Leads"
    data: dict[str, Any] = attrs.Factory(lambda: {"Rating": "Hot"})
    cvid: str = SIM_CVID
    ids: tuple[str, ...] = (*SIM_IDS, BAD_ID)


@contextmanager
def target(cassette: str) -> Iterator[Target]:
    """Replay: aimed where the cassette was recorded, asking what it asked.
    Record: against a real org when its credentials are set, else the simulator."""
    if record_mode() == "none":  # nothing is contacted
        accounts, api = _recorded_origins(cassette)
        yield Target(
            _profile(accounts, api), lambda _s: None, _from_simulator(cassette), **_asked(cassette)
        )
    elif all(os.environ.get(k) for k in REAL_ENV):
        table = {
            "provider": "zoho",
            "client_id_env": "ZOHO_CLIENT_ID",
            "client_secret_env": "ZOHO_CLIENT_SECRET",
            "refresh_token_env": "ZOHO_REFRESH_TOKEN",
            "data_centre": os.environ.get("ZOHO_DATA_CENTRE", "us"),
            "environment": os.environ.get("ZOHO_ENVIRONMENT", "sandbox"),
        }
        name, _, value = os.environ.get("ZOHO_FIELD", "Rating=Hot").partition("=")
        ids = os.environ.get("ZOHO_RECORD_IDS", "").replace(",", " ").split()
        # a real org: real seconds pass between polls (recording only, never in CI)
        yield Target(
            profile_from_mapping("zoho-record", table),
            time.sleep,
            False,
            module=os.environ.get("ZOHO_MODULE", "Leads"),
            data={name: value},
            cvid=os.environ.get("ZOHO_CVID", ""),
            ids=(*ids, BAD_ID),
        )
    else:
        clock = SimClock(speed=0)
        sim = ZohoMassUpdateSimulator(clock=clock)
        sim.add_view(SIM_CVID, records=20, failing=2)
        with SandboxServer(sim):
            yield Target(profile_from_mapping("zoho-cassette", sim.profile()), clock.advance, True)


def _profile(accounts: str, api: str) -> Profile:
    """A replay profile (demo credentials: recorded secrets are scrubbed, any value matches)."""
    table = {
        "provider": "zoho",
        "accounts_url": accounts,
        "base_url": api,
        "client_id": "sandbox-client-id",
        "client_secret": "sandbox-client-secret",
        "refresh_token": "sandbox-refresh-token",
    }
    return profile_from_mapping("zoho-cassette", table)


def _recorded_origins(cassette: str) -> tuple[str, str]:
    """(accounts server, API root) the cassette was recorded against. A simulator
    recording gets a loopback address, never contacted, normalised to sandbox.invalid."""
    origins: dict[str, str] = {}
    for interaction in _cassette(cassette):
        parts = urlsplit(interaction["request"]["uri"])
        token = parts.path.endswith("/oauth/v2/token")
        prefix = parts.path.split("/oauth/v2/token" if token else "/crm/")[0]
        loopback = parts.hostname == SANDBOX_HOST
        origin = "http://127.0.0.1:9" if loopback else f"{parts.scheme}://{parts.netloc}"
        origins.setdefault("accounts" if token else "api", origin + prefix)
    return origins["accounts"], origins.get("api", origins["accounts"])


def _asked(cassette: str) -> dict[str, Any]:
    """The module and body the recorded mass update request carried."""
    for interaction in _cassette(cassette):
        request = interaction["request"]
        path = urlsplit(request["uri"]).path
        if "/crm/" not in path or request["method"] != "POST":
            continue
        body = json.loads(request["body"])
        asked: dict[str, Any] = {"module": path.split("/")[-3], "data": body["data"][0]}
        if "cvid" in body:
            asked["cvid"] = body["cvid"]
        if "ids" in body:
            asked["ids"] = tuple(body["ids"])
        return asked
    return {}


@contextmanager
def recorded(name: str) -> Iterator[tuple[Hub, Target]]:
    with target(name) as where, make_vcr(CASSETTES).use_cassette(name):
        transport = Transport(retry=RetryPolicy(max_attempts=1))
        with Hub(
            profiles=[where.profile],
            plugins=[zoho_common_plugin, zoho_plugin],
            load_entrypoints=False,
            transport=transport,
        ) as hub:
            yield hub, where


def _cassette(name: str) -> list[dict[str, Any]]:
    loaded: dict[str, Any] = yaml.safe_load((CASSETTES / name).read_text(encoding="utf-8"))
    interactions: list[dict[str, Any]] = loaded["interactions"]
    return interactions


def _from_simulator(name: str) -> bool:
    return all(SANDBOX_HOST in i["request"]["uri"] for i in _cassette(name))


def test_cvid_flow_from_cassette() -> None:
    with recorded("cvid_flow.yaml") as (hub, where):
        job = hub.submit(ADAPTER, MassUpdateRequest(where.module, where.data, cvid=where.cvid))
        assert job.status is JobStatus.PENDING and job.id.startswith(f"{where.module}:")
        seen: list[Job] = [job]
        while not seen[-1].is_terminal and len(seen) < 200:
            where.advance(1.0 if where.simulated else 5.0)
            seen.append(hub.get(ADAPTER, job.id))
    final = seen[-1]
    assert final.is_terminal
    assert final.counts.processed == (final.counts.succeeded or 0) + (final.counts.failed or 0)
    assert final.counts.total == final.counts.processed
    done = [j.counts.processed or 0 for j in seen[1:]]
    assert done == sorted(done)
    if _from_simulator("cvid_flow.yaml"):
        assert final.status is JobStatus.SUCCEEDED
        assert (final.counts.total, final.counts.succeeded, final.counts.failed) == (20, 18, 2)
        assert [j.native_status for j in seen[1:]][:1] == ["SCHEDULED"]
        assert "RUNNING" in {j.native_status for j in seen}


def test_ids_flow_from_cassette() -> None:
    with recorded("ids_flow.yaml") as (hub, where):
        job = hub.submit(ADAPTER, MassUpdateRequest(where.module, where.data, ids=where.ids))
    assert job.is_terminal
    assert job.counts.total == len(where.ids)
    assert job.counts.failed and job.counts.failed >= 1
    assert any(BAD_ID in e.message for e in job.errors)
    if _from_simulator("ids_flow.yaml"):
        assert job.status is JobStatus.SUCCEEDED
        assert (job.counts.succeeded, job.counts.failed) == (2, 1)


def test_errors_from_cassette() -> None:
    with recorded("errors.yaml") as (hub, where):
        with pytest.raises(NotFound) as missing:
            hub.get(ADAPTER, f"{where.module}:4150868000000999999")
        with pytest.raises(InvalidRequest) as module:
            hub.get(ADAPTER, "Widgets:4150868000000999999")
    assert missing.value.code in ("NOT_FOUND", None)
    assert module.value.code == "INVALID_MODULE"


@pytest.mark.parametrize("name", ["cvid_flow.yaml", "ids_flow.yaml", "errors.yaml"])
def test_cassettes_hold_no_secrets(name: str) -> None:
    text = (CASSETTES / name).read_text(encoding="utf-8")
    for secret in (
        "sandbox-client-secret",
        "sandbox-refresh-token",
        "sandbox-client-id",
        "Zoho-oauthtoken 1000.",
    ):
        assert secret not in text
    for interaction in _cassette(name):
        request = interaction["request"]
        auth = {k.lower(): v for k, v in request["headers"].items()}.get("authorization")
        if auth is not None:
            assert auth == [f"Zoho-oauthtoken {REDACTED}"]
        if request["uri"].endswith("/oauth/v2/token"):
            body = request["body"]
            for field in ("client_secret", "refresh_token", "client_id"):
                assert f"{field}=%3Credacted%3E" in body or f"{field}={REDACTED}" in body
            answer = interaction["response"]["body"]["string"]
            assert f'"access_token": "{REDACTED}"' in answer
