"""The jobs the report tests put in a store, the instants they use, and a lookup of one
group of a report by its key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jobadapter.model import Job
from jobadapter.reports import Report
from jobadapter.status import JobStatus
from jobadapter.store import SqliteStore

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, tzinfo=UTC)
NOW = dt.datetime(2026, 3, 10, tzinfo=UTC)
P, R, S, F = JobStatus.PENDING, JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def put(store: SqliteStore, adapter: str, id: str, status: JobStatus, **kw: Any) -> None:
    profile = kw.pop("profile", None)
    seen = kw.pop("seen", at(0))
    store.observe(
        Job(adapter=adapter, id=id, status=status, **kw), profile=profile, observed_at=seen
    )


def group(rep: Report, **key: str | None) -> Any:
    matches = [g for g in rep.groups if all(g.key.get(k) == v for k, v in key.items())]
    assert len(matches) == 1, (key, [g.key for g in rep.groups])
    return matches[0]
