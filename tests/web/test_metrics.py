"""/metrics: the store's figures agree with the report; a tracking process counts its activity."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from urllib.request import urlopen

import pytest
from jobadapter.cli.sandbox_cmd import start_sandbox
from jobadapter.config import profile_from_mapping
from jobadapter.fleet.db import FleetDB
from jobadapter.fleet.schedule import Enrolment, FleetSchedule
from jobadapter.hub import Hub
from jobadapter.metrics import (
    Activity,
    error_kind,
    metrics_app,
    start_metrics_server,
    store_registry,
)
from jobadapter.metrics.store_collector import StoreCollector
from jobadapter.reports import build_report
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import Faults
from jobadapter.serialize import loads
from jobadapter.store import SqliteStore, rows
from jobadapter.store import decoded as decoded_module
from jobadapter.web import Dashboard
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.test import Client

GRAFANA = Path(__file__).parents[2] / "docs" / "grafana-dashboard.json"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_store_metrics_agree_with_the_report(demo_store: Path) -> None:
    with SqliteStore(demo_store) as store:
        client = Client(Dashboard(store, mounts={"/metrics": metrics_app(store_registry(store))}))
        response = client.get("/metrics")
        report = build_report(store, group_by=["provider", "adapter"])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found = samples(response.text)
    for group in report.groups:
        keys = {"provider": group.key["provider"] or "", "adapter": group.key["adapter"] or ""}
        for status, count in group.statuses.items():
            label = frozenset({**keys, "status": status}.items())
            assert found[("jobadapter_jobs", label)] == count
        assert found[("jobadapter_rows_processed", frozenset(keys.items()))] == group.rows.processed
        assert found[("jobadapter_rows_failed", frozenset(keys.items()))] == group.rows.failed
        count = found.get(("jobadapter_job_duration_seconds_count", frozenset(keys.items())), 0)
        assert count == group.duration.count
    assert found[("jobadapter_open_jobs", frozenset())] == report.total.statuses["unknown"]
    assert found[("jobadapter_open_job_unobserved_seconds", frozenset())] > 0
    # No fleet keeps its schedule in this store: no schedule lag is made up.
    assert not any(name == "jobadapter_fleet_schedule_lag_seconds" for name, _ in found)


def test_a_scrape_decodes_no_stored_job(demo_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every figure comes from SQL: a scrape of 100k jobs must not parse 100k snapshots."""
    decoded: list[str] = []

    def counting(text: str) -> object:
        decoded.append(text)
        return loads(text)

    monkeypatch.setattr(rows, "loads", counting)
    monkeypatch.setattr(decoded_module, "loads", counting)
    with SqliteStore(demo_store) as store:
        assert store.jobs()  # the counting decoder is the one the store uses
        decoded.clear()
        text = generate_latest(store_registry(store)).decode()
    assert "jobadapter_job_duration_seconds_bucket" in text and "jobadapter_open_jobs" in text
    assert decoded == []


def test_schedule_lag_where_a_fleet_keeps_its_schedule(demo_store: Path, tmp_path: Path) -> None:
    """Behind schedule: now minus the earliest due time of an unfinished scheduled job."""
    path = tmp_path / "fleet.sqlite3"
    shutil.copy(demo_store, path)
    schedule = FleetSchedule(FleetDB(str(path)))
    schedule.create()
    now = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    schedule.enrol([Enrolment("zuora.bulk_job", "late", None, None)], now.timestamp() - 42.0)
    with SqliteStore(path) as store:
        registry = CollectorRegistry()
        registry.register(StoreCollector(store, clock=lambda: now))
        found = samples(generate_latest(registry).decode())
    assert found[("jobadapter_fleet_schedule_lag_seconds", frozenset())] == 42.0


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (429, "", "429"),
        (503, "", "5xx"),
        (200, "", None),
        (404, "", None),
        (None, "HTTP 429", "429"),
        (None, "HTTP 502", "5xx"),
        (None, "connection error: HTTPConnectionPool: Read timed out. (read timeout=1)", "timeout"),
        (None, "cannot connect: Connection refused", "connection"),
    ],
)
def test_error_kinds(status: int | None, reason: str, kind: str | None) -> None:
    assert error_kind(status, reason) == kind


def test_a_tracking_process_counts_polls_errors_and_tokens(tmp_path: Path) -> None:
    """The demo's jobs tracked through a faulty sandbox, counted through the observers."""
    activity = Activity()
    transport = activity.transport(
        retry=RetryPolicy(max_attempts=10, backoff_base=0.005, backoff_cap=0.02)
    )
    store = activity.observe_store(SqliteStore(tmp_path / "jobs.sqlite3"))
    hub = Hub(config=False, store=store, transport=transport)
    hub.plugins.pm.register(activity)
    server, simulators = start_sandbox(hub, speed=100.0)
    try:
        for sim in simulators:
            hub.add_profile(profile_from_mapping(sim.name, sim.profile(), source="sandbox"))
        items = []
        for sim in simulators:
            for demo in sim.demo_requests():
                job = hub.submit(demo.adapter, demo.request, profile=sim.name)
                items.append((job.adapter, job.id, sim.name))
        # Faults from here on: status polls and token requests meet 429s and 5xx answers.
        server.faults = Faults(rate_limit=0.3, server_error=0.3, retry_after=0.01, seed=7)
        result = hub.track(items, deadline=60)
        assert not result.errors and not result.pending
        http, _ = start_metrics_server(0, activity.registry)
        try:
            with urlopen(f"http://127.0.0.1:{http.server_port}/metrics", timeout=5) as answer:
                text = answer.read().decode()
        finally:
            http.shutdown()
            http.server_close()
    finally:
        server.stop()
        hub.close()
    found = samples(text)
    polls = sum(v for (name, _), v in found.items() if name == "jobadapter_polls_total")
    assert polls >= len(items)
    assert found[("jobadapter_provider_errors_total", frozenset({("kind", "429")}))] > 0
    assert found[("jobadapter_provider_errors_total", frozenset({("kind", "5xx")}))] > 0
    refreshes = sum(v for (n, _), v in found.items() if n == "jobadapter_token_refreshes_total")
    assert refreshes >= 1
    finished = sum(v for (n, _), v in found.items() if n == "jobadapter_jobs_finished_total")
    assert finished == len(items)
    assert any(n == "jobadapter_job_events_total" for n, _ in found)


def test_grafana_dashboard_queries_only_metrics_that_exist(
    demo_store: Path, tmp_path: Path
) -> None:
    path = tmp_path / "fleet.sqlite3"  # a fleet's store: its schedule lag is exported too
    shutil.copy(demo_store, path)
    FleetSchedule(FleetDB(str(path))).create()
    with SqliteStore(path) as store:
        registry = store_registry(store, Activity().registry)
        exported = {
            sample.name
            for family in text_string_to_metric_families(generate_latest(registry).decode())
            for sample in family.samples
        }
        for family in registry.collect():  # counters nobody has touched yet have no samples
            exported |= (
                {family.name, f"{family.name}_total"} if family.type == "counter" else {family.name}
            )
    dashboard = json.loads(GRAFANA.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    exprs += [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    assert len(exprs) >= 8
    used = {name for expr in exprs for name in re.findall(r"\b(jobadapter_[a-z_]+)", expr)}
    missing = used - exported - {f"{n}_bucket" for n in exported}
    assert not missing, f"the Grafana dashboard queries metrics nobody exports: {missing}"
    counters = {"jobadapter_polls", "jobadapter_provider_errors", "jobadapter_token_refreshes"}
    assert counters <= {n.removesuffix("_total") for n in used}
