"""The figures a metrics scrape reads (open jobs, the oldest last sight among them,
duration histograms, the fleet's schedule lag) come from SQL on both backends and
equal a computation over the decoded jobs, after any history."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobadapter.adapter import provider_of
from jobadapter.fleet.schedule import SCHEMA
from jobadapter.metrics.store_collector import DURATION_BUCKETS
from jobadapter.model import Counts, Job
from jobadapter.reports.series import job_seconds
from jobadapter.status import JobStatus
from jobadapter.store import Store
from jobadapter.store.instants import to_us

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
EDGES_US = tuple(round(edge * 1_000_000) for edge in DURATION_BUCKETS)
#: Durations on, just below and just above every edge, and in between.
DURATION_US = st.one_of(
    st.none(),
    st.sampled_from([edge + d for edge in EDGES_US for d in (-1, 0, 1)]),
    st.integers(0, 2 * 86400 * 10**6),
)
STEP = st.tuples(
    st.sampled_from([JobStatus.PENDING, JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED]),
    DURATION_US,
    st.integers(0, 3600),  # seconds after the previous observation
)
ADAPTERS = ("zuora.bulk_job", "zuora.mass_updater", "zoho.mass_update")
_ids = itertools.count()


def expected(store: Store) -> dict[str, Any]:
    """The figures as the collector once computed them, over every decoded job; a
    duration is counted for every job that has one, as reports count it."""
    open_seen = [to_us(s.last_seen) for s in store.jobs() if not s.job.is_terminal]
    groups: dict[tuple[str, str], list[int]] = {}
    for stored in store.jobs():
        seconds = job_seconds(stored)
        if seconds is not None:
            adapter = stored.job.adapter
            groups.setdefault((provider_of(adapter), adapter), []).append(round(seconds * 1e6))
    return {
        "open_jobs": len(open_seen),
        "oldest": min(open_seen, default=None),
        "durations": [
            (*key, tuple(sum(v / 1e6 <= e for v in values) for e in DURATION_BUCKETS), len(values))
            for key, values in sorted(groups.items())
        ],
        "sums_us": [sum(values) for _, values in sorted(groups.items())],
    }


def found(store: Store) -> dict[str, Any]:
    figures = store.scrape_figures(EDGES_US)
    return {
        "open_jobs": figures.open_jobs,
        "oldest": figures.oldest_open_seen_us,
        "durations": [(g.provider, g.adapter, g.at_most, g.count) for g in figures.durations],
        "sums_us": [g.sum_us for g in figures.durations],
    }


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    histories=st.lists(
        st.tuples(
            st.sampled_from(ADAPTERS),
            st.booleans(),  # the provider says when the job ran, or only what we saw
            st.lists(STEP, min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_scrape_figures_equal_a_count_over_the_decoded_jobs(
    store: Store, histories: list[tuple[str, bool, list[tuple[JobStatus, int | None, int]]]]
) -> None:
    for adapter, dated, steps in histories:
        job_id = f"S{next(_ids)}"
        at = T0 + dt.timedelta(seconds=next(_ids))
        for status, duration, gap in steps:
            at += dt.timedelta(seconds=gap)
            ended = (
                None if duration is None or not dated else T0 + dt.timedelta(microseconds=duration)
            )
            job = Job(
                adapter=adapter,
                id=job_id,
                status=status,
                counts=Counts(total=10),
                started_at=T0 if dated else None,
                ended_at=ended,
            )
            store.observe(job, observed_at=at)
    assert found(store) == expected(store)


def test_schedule_lag_is_known_only_where_a_fleet_keeps_its_schedule(store: Store) -> None:
    assert not store.scrape_figures(EDGES_US).has_schedule

    def schedule(conn: Any) -> None:
        conn.execute(SCHEMA[0])
        conn.executemany(
            "INSERT INTO fleet_schedule (adapter, job_id, due, ended) VALUES (?, ?, ?, ?)",
            [("a.x", "1", 100.0, 1), ("a.x", "2", 250.0, 0), ("a.x", "3", 400.0, 0)],
        )

    store._write(schedule)  # type: ignore[attr-defined]
    figures = store.scrape_figures(EDGES_US)
    assert figures.has_schedule and figures.earliest_due == 250.0  # the ended job is not late
