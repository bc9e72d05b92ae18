"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

One browser per test session (a fresh profile directory), the dashboard served
on an ephemeral loopback port over the store the real demo filled. Every page
is screenshot into the folder the session prints at its end.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from jobadapter.reports.formats import format_seconds
from jobadapter.store import open_store
from jobadapter.web.server import dashboard_server, url_of
from webworld import (
    CHROMIUM,
    HOSTILE_ID,
    HOSTILE_REASON,
    HOSTILE_STATUS,
    chromium_context,
    cli_json,
    cli_text,
    screenshots_dir,
)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium_context(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture(scope="session")
def served(demo_store: Path) -> Iterator[str]:
    """The dashboard of the demo's store on a free port (pages reload every 30 s at most)."""
    with open_store(str(demo_store)) as store:
        server = dashboard_server(store, port=0, store_name=demo_store.name, refresh=30)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield url_of(server).rstrip("/")
        finally:
            server.shutdown()
            server.server_close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    page.set_default_timeout(15_000)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    assert dialogs == [], f"a page opened a dialog: {dialogs}"
    page.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(screenshots_dir() / f"{name}.png"), full_page=True)


def figure(page: Any, scope: str, name: str) -> str:
    text: str = page.locator(f'{scope} [data-figure="{name}"]').first.inner_text()
    return text.strip()


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def test_overview_shows_the_report_numbers(page: Any, served: str, demo_store: Path) -> None:
    page.goto(served + "/")
    report = cli_json(demo_store, "report", "--format", "json")
    total: dict[str, Any] = report["total"]  # type: ignore[assignment]
    totals = '[data-testid="totals"]'
    assert figure(page, totals, "jobs") == str(total["jobs"])
    for status, count in total["statuses"].items():
        assert figure(page, totals, f"statuses.{status}") == str(count), status
    assert figure(page, totals, "rows.processed") == str(total["rows"]["processed"])
    assert figure(page, totals, "rows.failed") == str(total["rows"]["failed"])
    assert figure(page, totals, "failure_rate") == rate(total["failure_rate"])
    assert figure(page, totals, "duration_seconds.p50") == format_seconds(
        total["duration_seconds"]["p50"]
    )
    assert figure(page, totals, "duration_seconds.p95") == format_seconds(
        total["duration_seconds"]["p95"]
    )
    rows = page.locator('[data-testid="group"]')
    groups: list[dict[str, Any]] = report["groups"]  # type: ignore[assignment]
    assert rows.count() == len(groups)
    for i, group in enumerate(groups):
        row = rows.nth(i)
        shown = [row.locator(f'[data-key="{k}"]').inner_text() for k in report["group_by"]]  # type: ignore[union-attr]
        assert shown == [group[k] or "-" for k in report["group_by"]]  # type: ignore[union-attr]
        assert row.locator('[data-figure="jobs"]').inner_text() == str(group["jobs"])
        assert row.locator('[data-figure="rows.failed"]').inner_text() == str(
            group["rows"]["failed"]
        )
        assert row.locator('[data-figure="failure_rate"]').inner_text() == rate(
            group["failure_rate"]
        )
        assert row.locator('[data-figure="anomalies"]').inner_text() == str(group["anomalies"])
    assert page.locator("svg.chart").count() == 2
    assert page.locator("svg.chart rect.bar-jobs").count() >= 1
    assert page.locator("svg.chart rect.bar-duration").count() >= 1
    shot(page, "overview")


def test_filters_and_links(page: Any, served: str, demo_store: Path) -> None:
    page.goto(served + "/")
    page.get_by_role("link", name="zuora.bulk_job").first.click()
    page.wait_for_url("**/jobs?adapter=zuora.bulk_job")
    api = cli_json(demo_store, "report", "--format", "json", "--adapter", "zuora.bulk_job")
    expected = api["total"]["jobs"]  # type: ignore[index]
    assert page.get_by_test_id("job-count").inner_text() == str(expected)
    assert page.locator('[data-testid="job-row"]').count() == expected
    # Narrow it down with the form: succeeded jobs that have failed rows.
    page.select_option('select[name="status"]', "succeeded")
    page.check('input[name="row_failures"]')
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**row_failures=1**")
    rows = page.locator('[data-testid="job-row"]')
    assert rows.count() >= 1
    for i in range(rows.count()):
        assert rows.nth(i).get_by_test_id("status").inner_text() == "succeeded"
        assert rows.nth(i).locator("td").nth(0).inner_text() == "zuora.bulk_job"
    shot(page, "jobs")
    # A job the demo ran (replica-1, added by the fixture, has one transition only).
    page.locator("a.job-link").filter(has_not_text="replica-1").first.click()
    page.wait_for_url("**/jobs/zuora.bulk_job/**")
    assert page.locator("svg.chart").count() == 1
    assert page.locator('[data-testid="transitions"] tbody tr').count() >= 2
    shot(page, "job")


def test_anomalies_filter_leads_to_the_anomaly(page: Any, served: str) -> None:
    page.goto(served + "/jobs")
    page.check('input[name="anomalies"]')
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**anomalies=1**")
    assert page.get_by_test_id("job-count").inner_text() == "1"
    page.locator("a.job-link").click()
    assert "out_of_terminal" in page.get_by_test_id("anomalies").inner_text()
    assert page.locator("svg.chart path.anomaly").count() == 1
    shot(page, "job-anomaly")


def test_paging(page: Any, served: str) -> None:
    page.goto(served + "/jobs?per_page=3")
    first = page.locator("a.job-link").all_inner_texts()
    page.get_by_role("link", name="next").click()
    page.wait_for_url("**page=2**")
    second = page.locator("a.job-link").all_inner_texts()
    assert len(first) == 3 and second and not set(first) & set(second)
    page.get_by_role("link", name="previous").click()
    assert page.locator("a.job-link").all_inner_texts() == first


def test_a_hostile_provider_answer_is_shown_as_text(page: Any, served: str) -> None:
    page.goto(served + "/jobs?status=unknown")
    row = page.locator('[data-testid="job-row"]')
    assert row.count() == 1
    assert row.get_by_test_id("native-status").inner_text() == HOSTILE_STATUS
    assert row.locator("a.job-link").inner_text() == HOSTILE_ID
    row.locator("a.job-link").click()
    page.wait_for_url(f"**/jobs/zuora.bulk_job/{quote(HOSTILE_ID, safe='')}")
    assert page.get_by_test_id("job-id").inner_text() == HOSTILE_ID
    assert page.get_by_test_id("native-status").inner_text() == HOSTILE_STATUS
    assert HOSTILE_REASON in page.get_by_test_id("errors").inner_text()
    assert f'"status": {json.dumps(HOSTILE_STATUS)}' in page.get_by_test_id("raw").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("document.querySelectorAll('main img, main script, main b').length") == 0
    shot(page, "hostile-job")


def test_pages_reload_themselves_while_jobs_move(browser: Any, demo_store: Path) -> None:
    with open_store(str(demo_store)) as store:
        server = dashboard_server(store, port=0, refresh=1)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        page = browser.new_page()
        try:
            loads: list[str] = []
            page.on("load", lambda p: loads.append(p.url))
            page.goto(url_of(server) + "jobs?status=unknown")  # the hostile job is still open
            page.wait_for_timeout(2500)
            assert len(loads) >= 2
            assert page.get_by_test_id("live").is_visible()
        finally:
            page.close()
            server.shutdown()
            server.server_close()


def test_the_html_report_opens_offline(page: Any, demo_store: Path, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    html.write_text(cli_text(demo_store, "report", "--format", "html"))
    requests: list[str] = []

    def refuse(route: Any) -> None:
        requests.append(route.request.url)
        route.abort()

    page.route("http*://**/*", refuse)
    page.goto(html.as_uri())
    report = cli_json(demo_store, "report", "--format", "json")
    assert figure(page, '[data-testid="totals"]', "jobs") == str(report["total"]["jobs"])  # type: ignore[index]
    assert page.locator("svg.chart").count() == 2
    assert requests == []
    shot(page, "report-html")


def test_chromium_is_the_system_one() -> None:
    assert Path(CHROMIUM).exists(), (
        f"install Debian's chromium ({CHROMIUM}): apt-get install chromium"
    )
