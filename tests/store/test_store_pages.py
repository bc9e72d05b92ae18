"""A page of jobs chosen, counted and cut by the database lists what the report's
rule selects, newest first, on both backends (the reference is the rule in Python
over every stored job, which is what the dashboard did before)."""

from __future__ import annotations

from typing import Any

import pytest
from jobadapter.reports import make_query
from jobadapter.reports.series import job_time, selects
from jobadapter.store import Store
from store_data import ADAPTERS, at, fill

FILTERS: list[dict[str, Any]] = [
    {},
    {"status": ["running", "failed"]},
    {"adapter": [ADAPTERS[0], ADAPTERS[3]], "since": at(20).isoformat()},
    {"provider": ["zoho"], "until": at(70).isoformat()},
    {"profile": ["tenant-a"]},
]


def reference(
    store: Store, filters: dict[str, Any], row_failures: bool, with_anomalies: bool
) -> list[tuple[tuple[str, str], int]]:
    query = make_query(now=at(1000), **filters)
    counts: dict[tuple[str, str], int] = {}
    for found in store.anomalies():
        key = (found.anomaly.adapter, found.anomaly.job_id)
        counts[key] = counts.get(key, 0) + 1
    chosen = [
        s
        for s in store.jobs()
        if selects(query, s)
        and (not row_failures or (s.job.counts.failed or 0) > 0)
        and (not with_anomalies or counts.get(s.key, 0) > 0)
    ]
    chosen.sort(key=lambda s: (job_time(s), s.key), reverse=True)
    return [(s.key, counts.get(s.key, 0)) for s in chosen]


@pytest.mark.parametrize("filters", FILTERS)
def test_pages_list_what_the_report_rule_selects_newest_first(
    store: Store, filters: dict[str, Any]
) -> None:
    fill(store, seed=5, jobs=120)
    for row_failures, with_anomalies in ((False, False), (True, False), (False, True)):
        expected = reference(store, filters, row_failures, with_anomalies)
        query = make_query(now=at(1000), **filters)
        listed: list[tuple[tuple[str, str], int]] = []
        for offset in range(0, len(expected) + 7, 7):
            page = store.job_page(
                query,
                row_failures=row_failures,
                with_anomalies=with_anomalies,
                limit=7,
                offset=offset,
            )
            assert page.total == len(expected)
            listed += [(s.key, n) for s, n in zip(page.jobs, page.anomalies, strict=True)]
        assert listed == expected
        every = {s.key: s for s in store.jobs()}
        assert page.open_jobs == sum(not every[key].job.is_terminal for key, _ in expected)


def test_a_page_out_of_range_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="limit >= 1"):
        store.job_page(make_query(), limit=0)
