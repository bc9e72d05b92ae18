"""What a report counts: groups, filters, percentiles and durations, on known data."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from jobadapter.errors import ConfigError
from jobadapter.reports import build_report, make_query, report
from jobadapter.status import JobStatus
from jobadapter.store import SqliteStore, report_sql
from jobadapter.store.dialect import SQLITE
from report_data import NOW, F, P, R, S, at, group, put


def test_default_grouping_and_figures(mixed: SqliteStore) -> None:
    rep = build_report(mixed, now=NOW)
    assert [tuple(g.key.values()) for g in rep.groups] == [
        ("zoho", "zoho.mass_update", None),
        ("zuora", "zuora.bulk_job", "query"),
        ("zuora", "zuora.custom_object_job", "create"),
        ("zuora", "zuora.mass_updater", "delete"),
        ("zuora", "zuora.mass_updater", "update"),
    ]
    upd = group(rep, adapter="zuora.mass_updater", operation="update")
    assert upd.jobs == 2
    assert upd.statuses["succeeded"] == 1 and upd.statuses["failed"] == 1
    assert upd.statuses["running"] == 0 and set(upd.statuses) == {s.value for s in JobStatus}
    assert (upd.rows.total, upd.rows.processed, upd.rows.succeeded, upd.rows.failed) == (
        110,
        110,
        95,
        15,
    )
    assert upd.failure_rate == pytest.approx(15 / 110)
    assert upd.jobs_with_row_failures == 2
    assert upd.succeeded_with_row_failures == 1
    # m1: ended - started = 60s; m2: no start, so ended - created = 30s.
    assert (upd.duration.count, upd.duration.max) == (2, 60.0)
    # Custom objects give processed and failed only: succeeded stays unknown (0 in the sum).
    co = group(rep, adapter="zuora.custom_object_job")
    assert (co.rows.processed, co.rows.failed, co.succeeded_with_row_failures) == (40, 2, 1)
    assert co.failure_rate == pytest.approx(0.05)
    zoho = group(rep, provider="zoho")
    assert zoho.failure_rate is None and zoho.duration.count == 0 and zoho.duration.p50 is None
    total = rep.total
    assert total.key == {}
    assert total.jobs == 6 == sum(g.jobs for g in rep.groups)
    assert total.rows.failed == 17 and total.succeeded_with_row_failures == 2
    # m3 (running) does not say how many rows failed: it adds to processed, not to the rate.
    delete = group(rep, operation="delete")
    assert (delete.rows.processed, delete.failure_rate) == (20, None)
    assert total.rows.processed == 110 + 20 + 7 + 40
    assert total.failure_rate == pytest.approx(17 / (110 + 7 + 40))
    assert total.statuses == {
        "pending": 1,
        "running": 1,
        "cancelling": 0,
        "succeeded": 3,
        "failed": 1,
        "cancelled": 0,
        "unknown": 0,
    }


def test_group_by_provider_and_profile(mixed: SqliteStore) -> None:
    by_provider = build_report(mixed, group_by=("provider",), now=NOW)
    assert [(g.key["provider"], g.jobs) for g in by_provider.groups] == [("zoho", 1), ("zuora", 5)]
    by_profile = build_report(mixed, group_by="provider, adapter, profile", now=NOW)
    assert group(by_profile, adapter="zuora.mass_updater", profile="zu").jobs == 3
    assert by_profile.group_by == ("provider", "adapter", "profile")
    assert build_report(mixed, group_by=(), now=NOW).groups[0].jobs == 6
    with pytest.raises(ConfigError, match="choose from"):
        build_report(mixed, group_by=("colour",))
    with pytest.raises(ConfigError, match="repeats"):
        build_report(mixed, group_by=("adapter", "adapter"))


def test_filters(mixed: SqliteStore) -> None:
    def jobs(**filters: Any) -> int:
        return build_report(mixed, now=NOW, **filters).total.jobs

    assert jobs(adapter="zuora.mass_updater") == 3
    assert jobs(adapter=["zuora.mass_updater", "zoho.mass_update"]) == 4
    assert jobs(provider="zoho") == 1
    assert jobs(status=S) == 3
    assert jobs(status=["failed", "running"]) == 2
    assert jobs(profile="zu") == 4
    assert jobs(adapter=[]) == 0
    # since/until select by created_at; z1 has none, so its first sighting (at(0)) counts.
    assert jobs(since=at(5)) == 1
    assert jobs(until=at(5)) == 5
    assert jobs(since="2026-03-01T00:00:05Z", until="2026-03-01T00:00:06Z") == 1
    assert jobs(since="2026-03-02") == 0
    assert jobs(since="10d") == 6  # NOW - 10 days is before T0
    assert jobs(since="1w") == 0
    rep = build_report(mixed, now=NOW, status="succeeded", since="2026-03-01")
    assert rep.query.filters_dict()["status"] == ["succeeded"]
    assert rep.query.filters_dict()["since"] == "2026-03-01T00:00:00Z"
    with pytest.raises(ConfigError, match="timezone"):
        build_report(mixed, since=dt.datetime(2026, 3, 1))
    with pytest.raises(ConfigError, match="must be after"):
        build_report(mixed, since=at(10), until=at(5))
    with pytest.raises(ConfigError, match="age such as"):
        build_report(mixed, since="last tuesday")
    with pytest.raises(ConfigError, match="unknown job status"):
        build_report(mixed, status="done")


def test_percentiles_on_known_durations(store: SqliteStore) -> None:
    # Durations 1..20 s (inserted shuffled): nearest rank p50 = 10th = 10 s, p95 = 19th = 19 s.
    for n in (7, 3, 20, 1, 15, 11, 2, 9, 18, 4, 13, 6, 19, 8, 12, 5, 17, 10, 16, 14):
        put(store, "zuora.bulk_job", f"j{n}", S, started_at=at(100), ended_at=at(100 + n))
    put(store, "zuora.bulk_job", "open", R, started_at=at(0))  # not measured
    d = build_report(store, now=NOW).groups[0].duration
    assert (d.count, d.p50, d.p95, d.max) == (20, 10.0, 19.0, 20.0)
    # One more provider with a single job: every percentile is that job.
    put(store, "zoho.mass_update", "z", F, created_at=at(0), ended_at=at(0.25))
    rep = build_report(store, now=NOW)
    z = group(rep, provider="zoho").duration
    assert (z.count, z.p50, z.p95, z.max) == (1, 0.25, 0.25, 0.25)
    t = rep.total.duration
    assert (t.count, t.p50, t.p95, t.max) == (21, 10.0, 19.0, 20.0)


def test_duration_falls_back_to_what_was_observed(store: SqliteStore) -> None:
    # The provider gives no timestamps: first sight to the observed terminal status.
    put(store, "zoho.mass_update", "z", P, seen=at(0))
    put(store, "zoho.mass_update", "z", R, seen=at(30))
    put(store, "zoho.mass_update", "z", S, seen=at(90))
    put(store, "zoho.mass_update", "z", S, seen=at(120))
    d = build_report(store, now=NOW).total.duration
    assert (d.count, d.p50, d.max) == (1, 90.0, 90.0)


def test_anomalies_and_errors_are_counted(store: SqliteStore) -> None:
    put(store, "zuora.mass_updater", "m", R, seen=at(0))
    put(store, "zuora.mass_updater", "m", P, seen=at(1))
    put(store, "zuora.mass_updater", "m", P, seen=at(2))
    put(store, "zuora.bulk_job", "b", R, seen=at(0))
    store.record_error("zuora.bulk_job", "b", "HTTP 503", at(3))
    rep = build_report(store, now=NOW)
    assert group(rep, adapter="zuora.mass_updater").anomalies == 2
    assert group(rep, adapter="zuora.bulk_job").errors == 1
    assert (rep.total.anomalies, rep.total.errors) == (2, 1)


def test_empty_store(store: SqliteStore) -> None:
    rep = build_report(store, now=NOW)
    assert rep.groups == () and rep.total.jobs == 0 and rep.total.failure_rate is None
    for name in ("json", "csv", "table"):
        assert report(store, name, now=NOW)
    assert "no jobs match" in report(store, "table", now=NOW)


def test_a_job_first_seen_finished_without_times_is_not_measured(store: SqliteStore) -> None:
    put(store, "zoho.mass_update", "late", S, seen=at(50))
    assert build_report(store, now=NOW).total.duration.count == 0


def test_both_percentile_methods_agree(store: SqliteStore) -> None:
    """Index walks (default grouping) and the window pass give the same nearest ranks."""
    rng = random.Random(7)
    adapters = ("zuora.mass_updater", "zuora.bulk_job", "zoho.mass_update")
    for i in range(400):
        status = rng.choice((P, R, S, S, S, F))
        ended = at(rng.choice((5, 5, 5, 60, 61, 3600)) + rng.randint(0, 30))
        put(
            store,
            rng.choice(adapters),
            f"j{i}",
            status,
            operation=rng.choice(("update", "delete", None)),
            profile=rng.choice(("a", "b")),
            created_at=at(rng.randint(0, 100)) if rng.random() < 0.9 else None,
            ended_at=ended if status.is_terminal else None,
            seen=at(rng.randint(0, 100)),
        )
    queries = [
        make_query(now=NOW),
        make_query(group_by=("provider",), now=NOW),
        make_query(group_by=(), now=NOW),
        make_query(group_by=("profile", "operation"), now=NOW),
        make_query(status=[S, F], since=at(20), until=at(80), now=NOW),
        make_query(profile="a", adapter=list(adapters[:2]), now=NOW),
    ]
    for query in queries:
        by_index = store._snapshot(
            lambda conn, q=query: report_sql.aggregate(conn, q, SQLITE, use_index=True)
        )
        by_window = store._snapshot(
            lambda conn, q=query: report_sql.aggregate(conn, q, SQLITE, use_index=False)
        )
        assert by_index == by_window, query
        assert by_index[1].duration.count > 0


def test_a_report_without_a_store_says_how_to_give_one() -> None:
    from click.testing import CliRunner
    from jobadapter.cli.main import cli
    from jobadapter.hub import Hub

    with pytest.raises(ConfigError, match="reports read the store"):
        Hub(config=False, store=None).report()
    result = CliRunner().invoke(cli, ["--no-store", "report", "--format", "json"])
    assert result.exit_code == 2 and "reports read the store" in result.output
