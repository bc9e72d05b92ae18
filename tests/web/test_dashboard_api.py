"""The dashboard's pages and JSON API through werkzeug's test client, on the demo's store."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from jobadapter.redact import register_secret
from jobadapter.store import SqliteStore
from jobadapter.web import Dashboard
from jobadapter.web.app import CSP
from webworld import HOSTILE_ID, HOSTILE_REASON, HOSTILE_STATUS, cli_json
from werkzeug.test import Client, TestResponse


@pytest.fixture
def client(demo_store: Path) -> Iterator[Client]:
    with SqliteStore(demo_store) as store:
        yield Client(Dashboard(store, store_name=str(demo_store)))


def get_json(client: Client, url: str, status: int = 200) -> dict[str, object]:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.mimetype == "application/json"
    data: dict[str, object] = response.json  # type: ignore[assignment]
    return data


def without_time(report: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in report.items() if k != "generated_at"}


def test_api_report_is_what_report_json_prints(client: Client, demo_store: Path) -> None:
    cli = cli_json(demo_store, "report", "--format", "json")
    assert without_time(get_json(client, "/api/report")) == without_time(cli)
    overview = get_json(client, "/api/overview")
    assert without_time(overview["report"]) == without_time(cli)  # type: ignore[arg-type]
    filtered = cli_json(demo_store, "report", "--format", "json", "--adapter", "zuora.bulk_job")
    api = get_json(client, "/api/report?adapter=zuora.bulk_job")
    assert without_time(api) == without_time(filtered)


def test_overview_charts_count_every_selected_job(client: Client) -> None:
    overview = get_json(client, "/api/overview")
    charts, report = overview["charts"], overview["report"]
    assert isinstance(charts, dict) and isinstance(report, dict)
    assert sum(b["jobs"] for b in charts["timeline"]) == report["total"]["jobs"]
    measured = sum(sum(row) for row in charts["durations"].values())
    assert measured == report["total"]["duration_seconds"]["count"]
    assert charts["open_jobs"] == 1  # the hostile job: its status is unknown, not terminal


def test_job_list_filters_and_pages(client: Client) -> None:
    everything = get_json(client, "/api/jobs")
    total = everything["total"]
    assert isinstance(total, int) and total >= 7
    bulk = get_json(client, "/api/jobs?adapter=zuora.bulk_job")
    assert {item["job"]["adapter"] for item in bulk["jobs"]} == {"zuora.bulk_job"}  # type: ignore[union-attr, index]
    failed_rows = get_json(client, "/api/jobs?row_failures=1")
    assert all(item["job"]["counts"]["failed"] > 0 for item in failed_rows["jobs"])  # type: ignore[union-attr, index]
    assert failed_rows["total"] < total  # type: ignore[operator]
    anomalous = get_json(client, "/api/jobs?anomalies=1")
    assert [item["job"]["id"] for item in anomalous["jobs"]] == ["replica-1"]  # type: ignore[union-attr, index]
    unknown = get_json(client, "/api/jobs?status=unknown")
    assert [item["job"]["id"] for item in unknown["jobs"]] == [HOSTILE_ID]  # type: ignore[union-attr, index]
    assert get_json(client, "/api/jobs?profile=nobody")["total"] == 0
    assert get_json(client, "/api/jobs?since=2000-01-01&until=2000-01-02")["total"] == 0
    pages = [get_json(client, f"/api/jobs?per_page=3&page={n}") for n in (1, 2, 3)]
    ids = [item["job"]["id"] for page in pages for item in page["jobs"]]  # type: ignore[union-attr, index]
    assert len(ids) == len(set(ids)) == min(total, 9)
    assert pages[0]["pages"] == -(-total // 3)


def test_one_job_has_its_timeline(client: Client) -> None:
    data = get_json(client, f"/api/jobs/zuora.bulk_job/{quote(HOSTILE_ID, safe='')}")
    assert data["job"]["native_status"] == HOSTILE_STATUS  # type: ignore[index]
    assert data["errors"][0]["error"] == HOSTILE_REASON  # type: ignore[index]
    replica = get_json(client, "/api/jobs/zuora.bulk_job/replica-1")
    assert [t["new_status"] for t in replica["transitions"]] == ["succeeded"]  # type: ignore[union-attr, index]
    assert replica["anomaly_list"][0]["kind"] == "out_of_terminal"  # type: ignore[index]
    page = client.get("/jobs/zuora.bulk_job/replica-1")
    assert page.status_code == 200 and "<svg" in page.text and "out_of_terminal" in page.text


def test_hostile_provider_strings_are_text(client: Client) -> None:
    for url in (
        "/jobs",
        "/jobs?status=unknown",
        f"/jobs/zuora.bulk_job/{quote(HOSTILE_ID, safe='')}",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "<script" not in page.text and "<img" not in page.text and "<b>1" not in page.text
        assert "&lt;script&gt;" in page.text, url
    assert (
        "&#34;&gt;&lt;img src=x onerror="
        in client.get(f"/jobs/zuora.bulk_job/{quote(HOSTILE_ID, safe='')}").text
    )


def every_answer(client: Client) -> Iterator[tuple[str, TestResponse]]:
    for url in (
        "/",
        "/jobs",
        "/api",
        "/api/overview",
        "/api/jobs",
        "/jobs/x/y",
        "/api/jobs/x/y",
        "/nope",
    ):
        yield url, client.get(url)


def test_every_answer_forbids_scripts(client: Client) -> None:
    for url, response in every_answer(client):
        assert response.headers["Content-Security-Policy"] == CSP, url
        assert "script-src" not in CSP and "default-src 'none'" in CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_errors_are_clear_and_typed(client: Client) -> None:
    assert "no stored x job y" in get_json(client, "/api/jobs/x/y", 404)["error"]  # type: ignore[operator]
    assert "page must be a whole number" in get_json(client, "/api/jobs?page=x", 400)["error"]  # type: ignore[operator]
    assert "7d" in get_json(client, "/api/report?since=yesterday", 400)["error"]  # type: ignore[operator]
    assert client.post("/api/jobs").status_code == 405
    page = client.get("/jobs/x/y")
    assert page.status_code == 404 and "no stored x job y" in page.text


def test_auto_refresh_only_while_jobs_move(client: Client) -> None:
    assert 'http-equiv="refresh"' in client.get("/").text  # the hostile job is still open
    assert 'http-equiv="refresh"' not in client.get("/jobs/zuora.bulk_job/replica-1").text
    assert 'http-equiv="refresh"' not in client.get("/jobs?status=succeeded").text


def test_no_secret_on_any_page(demo_store: Path, tmp_path: Path) -> None:
    secret = "dashboard-secret-8c1f0e"
    register_secret(secret)
    copy = tmp_path / "copy.sqlite3"  # the session's store stays as the demo left it
    shutil.copy(demo_store, copy)
    with SqliteStore(copy) as store:
        store.record_error("zuora.bulk_job", "replica-1", f"token {secret} refused")
        client = Client(Dashboard(store))
        for url, response in every_answer(client):
            assert secret not in response.text, url
        detail = client.get("/api/jobs/zuora.bulk_job/replica-1").text
        assert "refused" in detail and secret not in detail
        assert secret not in json.dumps(get_json(client, "/api/jobs"))


class BrokenStore:
    """A store whose reads fail (a database gone away)."""

    def __getattr__(self, name: str) -> object:
        def fail(*args: object, **kwargs: object) -> object:
            raise RuntimeError("database is gone")

        return fail


def test_a_failing_page_answers_500_with_the_same_headers() -> None:
    client = Client(Dashboard(BrokenStore()))  # type: ignore[arg-type]
    api = client.get("/api/jobs")
    assert api.status_code == 500 and "see the server's log" in api.json["error"]  # type: ignore[index]
    page = client.get("/")
    assert page.status_code == 500 and page.headers["Content-Security-Policy"] == CSP
    assert "database is gone" not in page.text
