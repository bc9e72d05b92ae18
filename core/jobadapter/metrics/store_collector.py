"""Metrics read from the store at scrape time: the whole fleet's jobs, counted once.

Every process that shares a store would export the same numbers, so let one
(``jobadapter serve`` does) export these; workers export their own activity
(:mod:`jobadapter.metrics.activity`). Figures come from the report code, so
``/metrics`` agrees with ``jobadapter report``, and from the store's own SQL
(:meth:`~jobadapter.store.base.Store.scrape_figures`): a scrape decodes no stored
job, so it stays cheap at 100k jobs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from jobadapter.reports import build_report
from jobadapter.store.base import Store
from jobadapter.store.instants import to_us

#: Bucket upper bounds (seconds) of the job duration histogram.
DURATION_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 24 * 3600.0)
_EDGES_US = tuple(round(edge * 1_000_000) for edge in DURATION_BUCKETS)

_KEYS = ["provider", "adapter"]


class StoreCollector(Collector):
    """Jobs by provider/adapter/status, rows, durations and lags, from the store."""

    def __init__(self, store: Store, *, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.store = store
        self._now = clock or (lambda: dt.datetime.now(dt.timezone.utc))

    def describe(self) -> list[Metric]:
        return []  # figures depend on the store's contents: collected at scrape time only

    def collect(self) -> Iterator[Metric]:
        now = self._now()
        report = build_report(self.store, group_by=_KEYS, now=now)
        jobs = GaugeMetricFamily(
            "jobadapter_jobs",
            "Stored jobs by provider, adapter and status.",
            labels=[*_KEYS, "status"],
        )
        rows = {
            name: GaugeMetricFamily(
                f"jobadapter_rows_{name}",
                f"Rows {name}, summed over the stored jobs that report them.",
                labels=_KEYS,
            )
            for name in ("processed", "failed", "succeeded", "total")
        }
        anomalies = GaugeMetricFamily(
            "jobadapter_anomalies", "Stored anomalies (refused observations).", labels=_KEYS
        )
        errors = GaugeMetricFamily(
            "jobadapter_job_errors", "Recorded failures to observe a stored job.", labels=_KEYS
        )
        for group in report.groups:
            keys = [group.key.get(k) or "" for k in _KEYS]
            for status, count in group.statuses.items():
                jobs.add_metric([*keys, status], count)
            for name, family in rows.items():
                family.add_metric(keys, getattr(group.rows, name))
            anomalies.add_metric(keys, group.anomalies)
            errors.add_metric(keys, group.errors)
        yield jobs
        yield from rows.values()
        yield anomalies
        yield errors
        yield from self._scan(now)

    def _scan(self, now: dt.datetime) -> Iterator[Metric]:
        """The duration histogram, open jobs and lags: figures the database computes
        (:meth:`Store.scrape_figures`), no stored job decoded."""
        figures = self.store.scrape_figures(_EDGES_US)
        histogram = HistogramMetricFamily(
            "jobadapter_job_duration_seconds",
            "Durations of stored jobs, as reports measure them (jobs with a known duration).",
            labels=_KEYS,
        )
        for group in figures.durations:
            cumulative = [
                (repr(edge), float(n))
                for edge, n in zip(DURATION_BUCKETS, group.at_most, strict=True)
            ]
            cumulative.append(("+Inf", float(group.count)))
            histogram.add_metric([group.provider, group.adapter], cumulative, group.sum_us / 1e6)
        yield histogram
        yield GaugeMetricFamily(
            "jobadapter_open_jobs",
            "Stored jobs not yet in a terminal status.",
            value=figures.open_jobs,
        )
        oldest = figures.oldest_open_seen_us
        yield GaugeMetricFamily(
            "jobadapter_open_job_unobserved_seconds",
            "Seconds since the least recently observed open job was last observed (0 with no "
            "open job). Includes each job's own poll interval: a job polled every 10 minutes "
            "reads up to 600 with nothing wrong; see jobadapter_fleet_schedule_lag_seconds.",
            value=0.0 if oldest is None else max(0.0, (to_us(now) - oldest) / 1e6),
        )
        if figures.has_schedule:  # a fleet keeps its schedule in this database
            due = figures.earliest_due
            yield GaugeMetricFamily(
                "jobadapter_fleet_schedule_lag_seconds",
                "Seconds the fleet is behind its schedule: now minus the earliest due time of an "
                "unfinished scheduled job (0 when none is overdue). Grows when workers fall "
                "behind or stop.",
                value=0.0 if due is None else max(0.0, now.timestamp() - due),
            )
