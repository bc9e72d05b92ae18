"""Every backend keeps a job's deadline as an instant across restarts, and its errors."""

from __future__ import annotations

import datetime as dt

import pytest
from jobadapter.store import JobNotStored, Store
from store_backends import Backend
from store_jobs import R, at, job


def test_deadline_is_an_absolute_instant_that_survives_a_restart(backend: Backend) -> None:
    deadline = dt.datetime(
        2026, 3, 1, 13, 30, 15, 654321, tzinfo=dt.timezone(dt.timedelta(hours=2))
    )
    with backend.open() as s:
        s.observe(job(R), observed_at=at(0))
        s.set_deadline("zuora.mass_updater", "J1", deadline)
        with pytest.raises(JobNotStored, match="observe it"):
            s.set_deadline("zuora.mass_updater", "nope", deadline)
    with backend.open() as s:
        (resumed,) = s.jobs(open_only=True)
        assert resumed.deadline == deadline
        assert resumed.deadline.tzinfo is not None
        s.set_deadline("zuora.mass_updater", "J1", None)
        stored = s.stored("zuora.mass_updater", "J1")
        assert stored is not None and stored.deadline is None


def test_recorded_errors(store: Store) -> None:
    store.observe(job(R), observed_at=at(0))
    store.record_error("zuora.mass_updater", "J1", "HTTP 404", at(1))
    store.record_error("zuora.mass_updater", "ghost", "HTTP 404", at(2))
    assert [(e.job_id, e.at) for e in store.errors()] == [("J1", at(1)), ("ghost", at(2))]
    assert [e.job_id for e in store.errors(job_id="ghost")] == ["ghost"]
    assert store.errors(adapter="zoho.mass_update") == []
