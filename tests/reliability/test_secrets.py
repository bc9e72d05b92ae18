"""Secrets: sentinel credentials in every profile; after a full run at DEBUG, they are nowhere.

The simulators are configured to accept the sentinels (Zuora's client id and
secret, Zoho's client id, secret and refresh token) and hand out sentinel
access tokens. The run submits to every adapter, cancels, watches through
faults and an expired token, reads results, renders every report format,
fails auth on purpose, provokes errors, drives the CLI with ``--debug`` and
records a cassette. Then every log line (all loggers), the store's bytes,
every report, every exception text, the CLI output and every file under
``cassettes/`` are scanned.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jobadapter_zoho_common.simulator as zoho_sim_module
import pytest
from click.testing import CliRunner
from jobadapter import Job, JobStatus
from jobadapter.cli.main import cli
from jobadapter.cli.sandbox_cmd import profiles_toml
from jobadapter.redact import register_secret
from jobadapter.sandbox import Faults
from jobadapter.store import SqliteStore
from jobadapter.testing.leaks import exception_texts, leaks_in
from jobadapter.testing.vcr import make_vcr
from reliability_campaign import Campaign
from reliability_world import (
    BULK,
    CO,
    MASS,
    POLLING,
    PROFILE_OF,
    ZOHO,
    RecordedBulk,
    RecordedCO,
    RecordedZoho,
    Spec,
    build_request,
    make_hub,
    make_sims,
    serve,
    world_store,
)
from werkzeug.wrappers import Request, Response

REPO = Path(__file__).resolve().parents[2]

ZUORA_ID = "sentinel-zuora-client-id-7Q2"
ZUORA_SECRET = "sentinel-zuora-secret-K9x"
ZOHO_ID = "sentinel-zoho-client-id-M3v"
ZOHO_SECRET = "sentinel-zoho-secret-P8w"
REFRESH = "sentinel-zoho-refresh-R4t"
STATIC = "sentinel-static-token-T1z"
BAD_SECRET = "sentinel-wrong-secret-W0q"
BAD_REFRESH = "sentinel-wrong-refresh-B5n"
ACCESS = "sentinelaccess"
SENTINELS = [ZUORA_ID, ZUORA_SECRET, ZOHO_ID, ZOHO_SECRET, REFRESH, STATIC, BAD_SECRET, BAD_REFRESH]

_serial = itertools.count(1)


def _swap(response: Response, keep: Callable[[str, str], None]) -> Response:
    """Replace the issued access token with a sentinel one (``keep(old, new)`` re-files it)."""
    if response.status_code != 200:
        return response
    body = json.loads(response.get_data())
    old = body.get("access_token")
    if not old:
        return response
    new = f"{ACCESS}{next(_serial):04d}{old[-12:]}"
    keep(old, new)
    body["access_token"] = new
    response.set_data(json.dumps(body))
    return response


class _ZuoraSentinelTokens:
    def on_oauth_token(self, request: Request) -> Response:
        def keep(old: str, new: str) -> None:
            with self._lock:  # type: ignore[attr-defined]
                self._tokens[new] = self._tokens.pop(old)  # type: ignore[attr-defined]

        return _swap(super().on_oauth_token(request), keep)  # type: ignore[misc]


class SentinelCO(_ZuoraSentinelTokens, RecordedCO):
    pass


class SentinelBulk(_ZuoraSentinelTokens, RecordedBulk):
    pass


class SentinelZoho(RecordedZoho):
    def on_token(self, request: Request) -> Response:
        book = self.tokens

        def keep(old: str, new: str) -> None:
            with book._lock:
                book._grants[new] = book._grants.pop(old)

        return _swap(super().on_token(request), keep)


T = TypeVar("T")


class Seen:
    """Everything a user could read: exception texts, reports, CLI output."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.errors: list[str] = []

    def attempt(self, call: Callable[[], T]) -> T | None:
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - every error is scanned, whatever its type
            self.errors.append(type(exc).__name__)
            self.texts.extend(exception_texts(exc))
            return None


def tables(sims: Any) -> dict[str, dict[str, Any]]:
    zuora = {"provider": "zuora", "client_id": ZUORA_ID, "client_secret": ZUORA_SECRET}
    zoho = {
        "provider": "zoho",
        "client_id": ZOHO_ID,
        "client_secret": ZOHO_SECRET,
        "refresh_token": REFRESH,
        "accounts_url": sims.zoho.base_url,
        "base_url": sims.zoho.base_url,
    }
    extra = {**POLLING, "token": STATIC, "headers": {"X-Trace": "secrets-test"}}
    return {
        "co": {**zuora, **extra, "base_url": sims.co.base_url},
        "zb": {**zuora, **extra, "base_url": sims.bulk.base_url},
        "zoho": {**zoho, **extra},
        "bad": {**zuora, **extra, "base_url": sims.co.base_url, "client_secret": BAD_SECRET},
        "badzoho": {**zoho, **extra, "refresh_token": BAD_REFRESH},
    }


def all_rows(hub: Any, adapter: str, job_id: str) -> list[dict[str, Any]]:
    return list(hub.results(adapter, job_id, profile=PROFILE_OF[adapter]))


def scan_cassette_files(paths: list[Path]) -> list[str]:
    """Leaks in recorded cassettes: sentinels, sandbox secrets, unredacted token fields."""
    known = [*SENTINELS, ACCESS, "sandbox-secret", "sandbox-client-secret", "sandbox-refresh-token"]
    problems = []
    fields = re.compile(
        r"(access_token|refresh_token|client_secret|client_id)[\"']?\s*[:=]\s*[\"']?([^\"'&\s,}]+)"
    )
    schemes = re.compile(r"(Bearer|Zoho-oauthtoken) ([^\s'\"`]+)")
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        problems += [f"{path}: {word}" for word in known if word in text]
        for match in itertools.chain(fields.finditer(text), schemes.finditer(text)):
            if match.group(2) not in ("<redacted>", "***"):
                problems.append(f"{path}: {match.group(0)[:60]}")
    return problems


def test_sentinel_secrets_appear_nowhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="jobadapter")
    monkeypatch.setattr(zoho_sim_module, "CLIENT_ID", ZOHO_ID)
    monkeypatch.setattr(zoho_sim_module, "CLIENT_SECRET", ZOHO_SECRET)
    sims = make_sims(
        classes=(SentinelCO, SentinelZoho, SentinelBulk),
        zuora_credentials={"client_id": ZUORA_ID, "client_secret": ZUORA_SECRET},
    )
    sims.zoho.refresh_tokens[REFRESH] = frozenset({"ZohoCRM.mass_update.ALL"})
    specs = [Spec(a, f"s_{n}", 6, 2) for n, a in enumerate((CO, ZOHO, MASS, BULK) * 2)]
    cancels = [
        Spec(CO, "s_8", 6, 0, kind="delete"),
        Spec(MASS, "s_9", 6, 0),
        Spec(BULK, "s_10", 6, 0),
    ]
    sims.prepare(specs)
    seen = Seen()
    store_path = tmp_path / "secrets.sqlite3"
    faults = Faults(rate_limit=0.04, server_error=0.04, malformed=0.04, drop=0.02, seed=4)
    with serve(sims, faults) as server:
        profiles = tables(sims)
        store = world_store(store_path, sims.clock)
        with make_hub(profiles, store, clock=sims.clock) as hub:
            campaign = Campaign(hub, store, sims, [*specs, *cancels])
            campaign.submit_all(workers=4)
            campaign.settle()
            for spec in cancels:  # still pending or submitted: the clock has not moved
                key = campaign.keys_by_marker[spec.marker][-1]
                sub = store.find_submission(spec.adapter, key)
                assert sub is not None and sub.job_id is not None
                seen.attempt(
                    functools.partial(
                        hub.cancel, spec.adapter, sub.job_id, profile=PROFILE_OF[spec.adapter]
                    )
                )
            sims.expire_tokens()
            sims.clock.speed = 4.0
            result = hub.track(resume=True, workers=4, deadline=120)
            assert not result.errors and not result.deadlines, result
            for (adapter, job_id), job in result.jobs.items():
                if adapter in (CO, MASS, BULK) and job.status is JobStatus.SUCCEEDED:
                    rows = seen.attempt(functools.partial(all_rows, hub, adapter, job_id))
                    seen.texts.append(repr(rows))
            sims.expire_tokens()
            server.faults = Faults()
            co_job = next(k[1] for k, j in result.jobs.items() if k[0] == CO and j.is_terminal)
            zoho_job = next(k[1] for k in result.jobs if k[0] == ZOHO)
            seen.attempt(lambda: hub.get(CO, co_job, profile="bad"))  # wrong client secret
            seen.attempt(lambda: hub.get(ZOHO, zoho_job, profile="badzoho"))  # wrong refresh token
            seen.attempt(lambda: hub.get(CO, "no-such-job", profile="co"))
            seen.attempt(lambda: hub.get(ZOHO, "Leads:4242", profile="zoho"))
            seen.attempt(lambda: hub.cancel(CO, co_job, profile="co"))  # finished: refused
            seen.attempt(lambda: hub.cancel(ZOHO, zoho_job, profile="zoho"))  # not supported
            seen.attempt(lambda: hub.submit(MASS, {"file": b"", "action": "MPU"}, profile="zb"))
            server.faults = Faults(rate_limit=1.0, seed=1)
            seen.attempt(lambda: hub.get(CO, co_job, profile="co"))  # rate limited for good
            server.faults = Faults()
            formats = sorted(hub.plugins.registry.report_formats)
            assert {"table", "json", "csv"} <= set(formats)
            reports = [hub.report(fmt) for fmt in formats]
            seen.texts.extend(reports)
            for shown in (hub, hub.connection(CO, "co"), hub.profiles["co"], hub.profiles["zoho"]):
                seen.texts.append(repr(shown))
            seen.texts.append(repr(hub.connection(ZOHO, "zoho").credentials))
        store.close()

        config = tmp_path / "profiles.toml"
        config.write_text(profiles_toml(profiles))
        runner = CliRunner()
        cli_output = []
        for args in (
            ["status", CO, co_job, "--profile", "co", "--json"],
            ["status", CO, co_job, "--profile", "bad"],
            ["status", ZOHO, zoho_job, "--profile", "badzoho", "--json"],
            ["report", "--format", "csv"],
        ):
            outcome = runner.invoke(
                cli,
                ["--debug", "--config", str(config), "--store", str(store_path), *args],
                catch_exceptions=True,
            )
            cli_output.append(outcome.output)
            if outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
                seen.texts.extend(exception_texts(outcome.exception))

        cassettes = tmp_path / "cassettes"
        recorder = make_vcr(cassettes, record_mode="all")
        with (
            recorder.use_cassette("secrets.yaml"),
            make_hub(profiles, None, clock=sims.clock) as fresh,
        ):
            fresh.get(CO, co_job, profile="co")
            fresh.submit(CO, build_request(Spec(CO, "s_11", 3, 1)), profile="co")
            fresh.get(ZOHO, zoho_job, profile="zoho")
            seen.attempt(lambda: fresh.get(CO, co_job, profile="bad"))

    # The run really did what it claims.
    assert {"AuthError", "NotFound", "InvalidRequest", "NotSupported", "RateLimited"} <= set(
        seen.errors
    ), seen.errors
    assert sims.co.tokens_issued >= 2 and len(reports) >= 3
    assert all(t.startswith(ACCESS) for t in sims.co._tokens) and sims.co._tokens
    recorded = sorted(cassettes.glob("*.yaml"))
    assert recorded and "sandbox.invalid" in recorded[0].read_text()

    logs = [caplog.text, *(str(r.__dict__) for r in caplog.records)]
    assert any("DEBUG" in line for line in caplog.text.splitlines())
    store_bytes = b"".join(
        p.read_bytes() for p in tmp_path.glob("secrets.sqlite3*") if p.is_file()
    ).decode("latin-1")
    everything = {
        "logs": logs,
        "store": [store_bytes],
        "reports and exceptions": seen.texts,
        "cli": cli_output,
    }
    for where, texts in everything.items():
        leaked = leaks_in(texts, [*SENTINELS, ACCESS])
        lines = [ln for t in texts for ln in t.splitlines() if any(s in ln for s in leaked)]
        assert not leaked, f"{leaked} found in {where}: {lines[:3]}"
    repo_cassettes = [p for p in (REPO / "cassettes").rglob("*") if p.is_file()]
    assert repo_cassettes
    assert not scan_cassette_files([*recorded, *repo_cassettes])


def test_a_job_id_that_contains_a_secret_keeps_its_id_in_the_store(tmp_path: Path) -> None:
    """Found by this suite: seeded simulators draw job ids and tokens from one generator, so
    a job id equal to an issued token was stored as ``***`` and its watch lost on resume."""
    secret = "4f1c0ffee4f1c0ffee-token"
    register_secret(secret)
    job = Job(
        adapter=MASS,
        id=secret,
        status=JobStatus.RUNNING,
        raw={"bulkKey": secret, "note": f"token {secret}"},
    )
    with SqliteStore(tmp_path / "ids.sqlite3") as store:
        store.observe(job, profile="zb")
        [stored] = store.jobs(open_only=True)
        assert stored.job.id == secret and stored.job.adapter == MASS
        assert secret not in json.dumps(stored.job.raw)  # the payload is still scrubbed
