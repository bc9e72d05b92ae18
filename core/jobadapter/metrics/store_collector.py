"""Metrics read from the store at scrape time: the whole fleet's jobs, counted once.

Every process that shares a store would export the same numbers, so let one
(``jobadapter serve`` does) export these; workers export their own activity
(:mod:`jobadapter.metrics.activity`). Figures come from the report code, so
``/metrics`` agrees with ``jobadapter report``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from jobadapter.reports import build_report
from jobadapter.reports.series import job_seconds
from jobadapter.store.base import Store

#: Bucket upper bounds (seconds) of the job duration histogram.
DURATION_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 24 * 3600.0)

_KEYS = ["provider", "adapter"]


class StoreCollector(Collector):
    """Jobs by provider/adapter/status, rows, durations and the tracker's lag, from the store."""

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
        """The duration histogram and the tracker lag: one pass over the stored jobs."""
        counts: dict[tuple[str, str], list[float]] = {}
        stalest: float = 0.0
        open_jobs = 0
        for stored in self.store.jobs():
            if not stored.job.is_terminal:
                open_jobs += 1
                stalest = max(stalest, (now - stored.last_seen).total_seconds())
                continue
            seconds = job_seconds(stored)
            if seconds is not None:
                adapter = stored.job.adapter
                counts.setdefault((adapter.split(".", 1)[0], adapter), []).append(seconds)
        histogram = HistogramMetricFamily(
            "jobadapter_job_duration_seconds",
            "Durations of finished stored jobs, as reports measure them.",
            labels=_KEYS,
        )
        for keys, values in sorted(counts.items()):
            cumulative = [
                (repr(edge), float(sum(v <= edge for v in values))) for edge in DURATION_BUCKETS
            ]
            cumulative.append(("+Inf", float(len(values))))
            histogram.add_metric(list(keys), cumulative, sum(values))
        yield histogram
        yield GaugeMetricFamily(
            "jobadapter_open_jobs", "Stored jobs not yet in a terminal status.", value=open_jobs
        )
        yield GaugeMetricFamily(
            "jobadapter_tracker_lag_seconds",
            "Seconds since the least recently observed open job was last observed "
            "(0 with no open job): grows when trackers fall behind or stop.",
            value=stalest,
        )
