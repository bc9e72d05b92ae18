"""What each page shows, as plain JSON-safe data: the page renders it, ``/api/...`` returns it.

Everything is read through the store interface and the report code, so the
dashboard shows what ``jobadapter report --format json`` says, on any backend.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import attrs

from jobadapter.errors import ConfigError
from jobadapter.reports import Report, build_report, make_query
from jobadapter.reports.series import job_seconds
from jobadapter.serialize import format_timestamp, to_dict
from jobadapter.status import JobStatus
from jobadapter.store.base import Store
from jobadapter.store.records import StoredJob

PER_PAGE = 50
MAX_PER_PAGE = 500

#: The query parameters the overview understands (the same as ``report``'s options).
REPORT_PARAMS = ("since", "until", "adapter", "profile", "status", "provider")


def _stamp(value: dt.datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


def _many(args: Mapping[str, Any], name: str) -> list[str] | None:
    getlist = getattr(args, "getlist", None)
    values = getlist(name) if getlist else ([args[name]] if name in args else [])
    values = [v for v in values if v]
    return values or None


def _flag(args: Mapping[str, Any], name: str) -> bool:
    return str(args.get(name, "")).lower() in ("1", "true", "yes", "on")


def _int(args: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    text = args.get(name) or ""
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {text!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}")
    return value


def report_filters(args: Mapping[str, Any]) -> dict[str, Any]:
    """``build_report`` keyword arguments from query parameters (blank ones ignored)."""
    return {
        "since": args.get("since") or None,
        "until": args.get("until") or None,
        "adapter": _many(args, "adapter"),
        "profile": _many(args, "profile"),
        "status": _many(args, "status"),
        "provider": _many(args, "provider"),
    }


def overview(store: Store, args: Mapping[str, Any], *, now: dt.datetime | None = None) -> Report:
    """The overview's report, with its chart series."""
    return build_report(store, charts=True, now=now, **report_filters(args))


def overview_dict(report: Report) -> dict[str, Any]:
    """``/api/overview``: the report exactly as ``report --format json``, and the charts."""
    assert report.series is not None
    return {"report": report.to_dict(), "charts": report.series.to_dict()}


def stored_dict(stored: StoredJob, anomalies: int = 0) -> dict[str, Any]:
    """A stored job: the Job as ``--json`` prints it, and what the store knows around it."""
    return {
        "job": to_dict(stored.job),
        "profile": stored.profile,
        "first_seen": _stamp(stored.first_seen),
        "last_seen": _stamp(stored.last_seen),
        "terminal_seen": _stamp(stored.terminal_seen),
        "deadline": _stamp(stored.deadline),
        "duration_seconds": job_seconds(stored),
        "anomalies": anomalies,
    }


@attrs.frozen(slots=True)
class JobPage:
    """One page of the job list and the filters that chose it."""

    filters: dict[str, Any]
    page: int
    per_page: int
    total: int
    items: list[tuple[StoredJob, int]]
    open_jobs: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
            "total": self.total,
            "open_jobs": self.open_jobs,
            "jobs": [stored_dict(s, n) for s, n in self.items],
        }


def job_list(store: Store, args: Mapping[str, Any], *, now: dt.datetime | None = None) -> JobPage:
    """Jobs matching the filters, newest first, one page of them (chosen, counted and
    cut by the database: only the page's jobs are read)."""
    filters = report_filters(args)
    query = make_query(now=now, **filters)
    row_failures, with_anomalies = _flag(args, "row_failures"), _flag(args, "anomalies")
    page = _int(args, "page", 1, 1, 10**9)
    per_page = _int(args, "per_page", PER_PAGE, 1, MAX_PER_PAGE)
    found = store.job_page(
        query,
        row_failures=row_failures,
        with_anomalies=with_anomalies,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    described = query.filters_dict() | {"row_failures": row_failures, "anomalies": with_anomalies}
    return JobPage(
        filters=described,
        page=page,
        per_page=per_page,
        total=found.total,
        items=list(zip(found.jobs, found.anomalies, strict=True)),
        open_jobs=found.open_jobs,
    )


class JobNotFound(LookupError):
    """No stored job has that adapter and id."""


def job_detail(store: Store, adapter: str, job_id: str) -> dict[str, Any]:
    """``/api/jobs/<adapter>/<id>``: the job, its transitions, anomalies and errors."""
    stored = store.stored(adapter, job_id)
    if stored is None:
        raise JobNotFound(f"no stored {adapter} job {job_id}")
    anomalies = store.anomalies(adapter, job_id)
    return stored_dict(stored, len(anomalies)) | {
        "transitions": [
            {
                "old_status": None if t.old_status is None else t.old_status.value,
                "new_status": t.new_status.value,
                "native_status": t.native_status,
                "observed_at": format_timestamp(t.observed_at),
                "counts": attrs.asdict(t.counts),
            }
            for t in store.transitions(adapter, job_id)
        ],
        "anomaly_list": [
            {
                "kind": a.anomaly.kind.value,
                "old_status": a.anomaly.old_status.value,
                "new_status": a.anomaly.new_status.value,
                "detail": a.anomaly.detail,
                "observed_at": format_timestamp(a.observed_at),
            }
            for a in anomalies
        ],
        "errors": [
            {"error": e.error, "at": format_timestamp(e.at)} for e in store.errors(adapter, job_id)
        ],
    }


def status_names() -> list[str]:
    return [s.value for s in JobStatus]
