"""The dashboard on a PostgreSQL store: the same pages and numbers as on SQLite."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from jobadapter.metrics import metrics_app, store_registry
from jobadapter.store import open_store
from jobadapter.web import Dashboard
from prometheus_client.parser import text_string_to_metric_families
from webworld import HOSTILE_ID, HOSTILE_STATUS, cli_json, fill_demo_store
from werkzeug.test import Client


def test_dashboard_on_postgresql(pg_schema_url: str, tmp_path: Path) -> None:
    url = fill_demo_store(tmp_path, pg_schema_url)
    cli = cli_json(url, "report", "--format", "json", home=tmp_path)
    with open_store(url) as store:
        client = Client(Dashboard(store, mounts={"/metrics": metrics_app(store_registry(store))}))
        api = client.get("/api/report").json
        assert api is not None
        assert api["groups"] == cli["groups"] and api["total"] == cli["total"]
        jobs = client.get("/api/jobs?status=unknown").json
        assert jobs is not None
        assert [item["job"]["id"] for item in jobs["jobs"]] == [HOSTILE_ID]
        assert client.get("/api/jobs?anomalies=1").json["total"] == 1  # type: ignore[index]
        page = client.get(f"/jobs/zuora.bulk_job/{quote(HOSTILE_ID, safe='')}")
        assert page.status_code == 200 and "<script" not in page.text
        assert HOSTILE_STATUS.replace("<", "&lt;").replace(">", "&gt;").split('"')[0] in page.text
        overview = client.get("/")
        assert overview.status_code == 200 and overview.text.count("<svg") == 2
        metrics = client.get("/metrics").text
    total = sum(
        sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "jobadapter_jobs"
    )
    assert total == cli["total"]["jobs"]  # type: ignore[index]
