"""Every backend keeps a job's snapshot and transitions, anomalies kept out, counts checked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from jobadapter.model import Counts, Job, JobError
from jobadapter.observe import AnomalyKind
from jobadapter.status import JobStatus
from jobadapter.store import Store, ValueOutOfRange
from store_backends import Backend
from store_jobs import P, R, S, at, job


def test_round_trip_keeps_every_field(store: Store) -> None:
    full = Job(
        adapter="zoho.mass_update",
        id="4150868000000624003",
        status=R,
        native_status="IN PROGRESS",
        operation="update",
        target="Leads",
        counts=Counts(total=1000, processed=250, succeeded=240, failed=10),
        created_at=dt.datetime(
            2026, 3, 1, 4, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=-8))
        ),
        started_at=at(5),
        updated_at=at(9),
        submitted_by="ops@example.com",
        result_url="https://example.invalid/result.csv",
        errors=(JobError(code="E1", message="row 3: bad value"),),
        raw={"status": "IN PROGRESS", "nested": [1, {"x": None}], "unicode": "Müller"},
    )
    store.observe(full, profile="zoho-eu", observed_at=at(10))
    assert store.get("zoho.mass_update", full.id) == full
    stored = store.stored("zoho.mass_update", full.id)
    assert stored is not None
    assert (stored.profile, stored.first_seen, stored.last_seen) == ("zoho-eu", at(10), at(10))
    assert stored.deadline is None and stored.terminal_seen is None
    assert store.get("zoho.mass_update", "other") is None
    assert store.get("zuora.mass_updater", full.id) is None


def test_transitions_are_recorded_only_when_the_status_changes(store: Store) -> None:
    steps = [
        (P, Counts(total=100), 0),
        (P, Counts(total=100), 1),
        (R, Counts(total=100, processed=10), 2),
        (R, Counts(total=100, processed=60), 3),
        (S, Counts(total=100, processed=100, succeeded=97, failed=3), 4),
        (S, Counts(total=100, processed=100, succeeded=97, failed=3), 5),
    ]
    changed = [
        store.observe(job(status, counts=counts), observed_at=at(t)).status_changed
        for status, counts, t in steps
    ]
    assert changed == [True, False, True, False, True, False]
    transitions = store.transitions("zuora.mass_updater", "J1")
    assert [(t.old_status, t.new_status, t.observed_at) for t in transitions] == [
        (None, P, at(0)),
        (P, R, at(2)),
        (R, S, at(4)),
    ]
    assert transitions[-1].counts == Counts(total=100, processed=100, succeeded=97, failed=3)
    stored = store.stored("zuora.mass_updater", "J1")
    assert stored is not None
    assert stored.last_seen == at(5) and stored.first_seen == at(0)
    assert stored.terminal_seen == at(4)
    # Progress without a status change still updates the snapshot.
    store.observe(job(R, id="J2", counts=Counts(processed=1)), observed_at=at(0))
    store.observe(job(R, id="J2", counts=Counts(processed=7)), observed_at=at(1))
    assert store.get("zuora.mass_updater", "J2") == job(R, id="J2", counts=Counts(processed=7))
    assert len(store.transitions("zuora.mass_updater", "J2")) == 1


def test_a_backward_move_is_an_anomaly_and_not_applied(store: Store) -> None:
    store.observe(job(R, native_status="Processing"), observed_at=at(0))
    result = store.observe(job(P, native_status="Pending"), observed_at=at(1))
    assert result.job.status is R
    assert [a.kind for a in result.anomalies] == [AnomalyKind.BACKWARD_MOVE]
    kept = store.get("zuora.mass_updater", "J1")
    assert kept is not None and kept.status is R and kept.native_status == "Processing"
    assert [t.new_status for t in store.transitions("zuora.mass_updater", "J1")] == [R]
    (stored,) = store.anomalies("zuora.mass_updater", "J1")
    assert stored.observed_at == at(1)
    assert (stored.anomaly.old_status, stored.anomaly.new_status) == (R, P)

    store.observe(job(S), observed_at=at(2))
    result = store.observe(job(R), observed_at=at(3))
    assert [a.kind for a in result.anomalies] == [AnomalyKind.OUT_OF_TERMINAL]
    assert store.get("zuora.mass_updater", "J1") == job(S)
    assert len(store.anomalies()) == 2
    assert store.anomalies(adapter="zoho.mass_update") == []


def test_counts_going_down_keep_the_higher_counts(store: Store) -> None:
    store.observe(job(R, counts=Counts(total=10, processed=8)), observed_at=at(0))
    result = store.observe(job(R, counts=Counts(total=10, processed=5)), observed_at=at(1))
    assert [a.kind for a in result.anomalies] == [AnomalyKind.COUNTS_DECREASED]
    kept = store.get("zuora.mass_updater", "J1")
    assert kept is not None and kept.counts == Counts(total=10, processed=8)


def test_a_row_another_store_changed_is_read_again(backend: Backend) -> None:
    """A store keeps the snapshots it decoded; a row changed by another process is
    not taken for the one it kept (SQLite: ``b``'s waiting group commits on its timer)."""
    a, b = backend.open(), backend.open()
    a.observe(job(R, counts=Counts(total=10, processed=5)), observed_at=at(0))
    b.observe(job(R, counts=Counts(total=10, processed=8)), observed_at=at(1))
    result = a.observe(job(R, counts=Counts(total=10, processed=6)), observed_at=at(2))
    assert result.previous is not None and result.previous.counts.processed == 8
    assert [x.kind for x in result.anomalies] == [AnomalyKind.COUNTS_DECREASED]


def test_a_job_changed_in_place_after_it_was_stored_does_not_hide_the_next_change(
    store: Store,
) -> None:
    # A caller that reuses its answer dict between polls must still have the new
    # answer stored: what the store remembers is its own copy, not the caller's.
    answer: dict[str, Any] = {"status": "IN PROGRESS", "done": 1}
    store.observe(job(R, id="M1", raw=answer), observed_at=at(0))
    answer["done"] = 2
    store.observe(job(R, id="M1", raw={"status": "IN PROGRESS", "done": 2}), observed_at=at(1))
    stored = store.get("zuora.mass_updater", "M1")
    assert stored is not None and stored.raw == {"status": "IN PROGRESS", "done": 2}


def test_a_stored_job_handed_out_and_changed_does_not_hide_the_next_change(store: Store) -> None:
    running = job(R, id="M2", raw={"status": "IN PROGRESS", "done": 1})
    store.observe(running, observed_at=at(0))
    handed_out = store.observe(running, observed_at=at(1)).job
    handed_out.raw["done"] = 5
    store.observe(job(R, id="M2", raw={"status": "IN PROGRESS", "done": 5}), observed_at=at(2))
    stored = store.get("zuora.mass_updater", "M2")
    assert stored is not None and stored.raw == {"status": "IN PROGRESS", "done": 5}


def test_an_observation_from_an_out_of_date_view_is_checked_against_the_stored_row(
    backend: Backend,
) -> None:
    # Two processes on one store: what one remembers of a job is not what is stored
    # once the other has moved it, and its next observation must be judged against
    # the stored row (here: out of a terminal status, an anomaly), not its memory.
    first, second = backend.open(), backend.open()
    try:
        counted = job(R, id="V1", counts=Counts(total=100, processed=10))
        first.observe(counted, observed_at=at(0))
        first.observe(counted, observed_at=at(1))
        second.observe(job(S, id="V1", counts=Counts(total=100, processed=100)), observed_at=at(2))
        late = first.observe(
            job(R, id="V1", counts=Counts(total=100, processed=20)), observed_at=at(3)
        )
        assert [a.kind for a in late.anomalies] == [AnomalyKind.OUT_OF_TERMINAL]
        stored = first.stored("zuora.mass_updater", "V1")
        assert stored is not None and stored.job.status is S
        assert stored.job.counts.processed == 100 and stored.last_seen == at(3)
    finally:
        first.close()
        second.close()


def test_counters_that_move_on_an_open_job_are_stored(store: Store) -> None:
    store.observe(job(R, id="C1", counts=Counts(total=100, processed=10)), observed_at=at(0))
    for step in (1, 2, 3):
        moved = job(R, id="C1", counts=Counts(total=100, processed=10 + step), native_status="RUN")
        result = store.observe(moved, profile=f"p{step}", observed_at=at(step))
        assert result.progressed and not result.status_changed and not result.anomalies
        assert result.previous is not None and result.previous.counts.processed == 9 + step
    stored = store.stored("zuora.mass_updater", "C1")
    assert stored is not None
    assert (stored.job.counts.processed, stored.job.native_status) == (13, "RUN")
    assert (stored.last_seen, stored.profile, stored.first_seen) == (at(3), "p3", at(0))
    assert len(store.transitions("zuora.mass_updater", "C1")) == 1
    # Older news about it moves nothing, as on the first path.
    store.observe(job(R, id="C1", counts=Counts(total=100, processed=12)), observed_at=at(2))
    again = store.stored("zuora.mass_updater", "C1")
    assert again is not None and again.job.counts.processed == 13 and again.last_seen == at(3)


def test_an_unchanged_observation_moves_only_last_seen(store: Store) -> None:
    running = job(R, id="U1", counts=Counts(total=100, processed=10))
    store.observe(running, profile="a", observed_at=at(0))
    before = store.stored("zuora.mass_updater", "U1")
    result = store.observe(running, profile="b", observed_at=at(5))
    assert not result.changed and not result.anomalies
    after = store.stored("zuora.mass_updater", "U1")
    assert before is not None and after is not None
    assert (after.job, after.first_seen, after.terminal_seen) == (
        before.job,
        before.first_seen,
        before.terminal_seen,
    )
    assert (after.last_seen, after.profile) == (at(5), "b")
    # An earlier observation arriving late does not move last_seen back.
    store.observe(running, observed_at=at(2))
    later = store.stored("zuora.mass_updater", "U1")
    assert later is not None and later.last_seen == at(5) and later.profile == "b"
    assert len(store.transitions("zuora.mass_updater", "U1")) == 1


def test_profile_is_kept_when_an_observation_does_not_name_one(store: Store) -> None:
    store.observe(job(P), profile="tenant-a", observed_at=at(0))
    store.observe(job(R), observed_at=at(1))
    stored = store.stored("zuora.mass_updater", "J1")
    assert stored is not None and stored.profile == "tenant-a"


def test_jobs_filters(store: Store) -> None:
    store.observe(job(P, id="a"), profile="x", observed_at=at(0))
    store.observe(job(R, id="b", adapter="zoho.mass_update"), profile="y", observed_at=at(1))
    store.observe(job(S, id="c"), profile="x", observed_at=at(2))
    store.observe(job(JobStatus.UNKNOWN, id="d"), observed_at=at(3))

    def ids(**kw: Any) -> list[str]:
        return [s.job.id for s in store.jobs(**kw)]

    assert ids() == ["a", "b", "c", "d"]
    assert ids(adapter="zuora.mass_updater") == ["a", "c", "d"]
    assert ids(status=S) == ["c"]
    assert ids(status=[P, R]) == ["a", "b"]
    assert ids(status=[]) == []
    assert ids(open_only=True) == ["a", "b", "d"]
    assert ids(profile="x") == ["a", "c"]
    assert ids(profile="x", open_only=True) == ["a"]


def test_a_count_beyond_64_bits_is_a_typed_error_and_writes_nothing(store: Store) -> None:
    store.observe(job(R, counts=Counts(total=10)), observed_at=at(0))
    with pytest.raises(ValueError, match="total must be from 0 to"):
        Counts(total=2**63)  # the model refuses it first; the store is the second line
    for too_big in (2**63, 2**64 + 1):
        with attrs.validators.disabled():
            counts = Counts(total=too_big)
        with pytest.raises(ValueOutOfRange, match="64-bit integers.*nothing was written"):
            store.observe(job(S, counts=counts), observed_at=at(1))
    assert store.get("zuora.mass_updater", "J1") == job(R, counts=Counts(total=10))
    assert len(store.transitions("zuora.mass_updater", "J1")) == 1
    largest = 2**63 - 1  # the largest a store keeps, exactly, on every backend
    store.observe(job(S, counts=Counts(total=largest)), observed_at=at(2))
    kept = store.get("zuora.mass_updater", "J1")
    assert kept is not None and kept.counts.total == largest


def test_naive_observation_time_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone"):
        store.observe(job(P), observed_at=dt.datetime(2026, 1, 1))


def test_observation_time_defaults_to_the_injected_clock(backend: Backend) -> None:
    with backend.open(now=lambda: at(42)) as s:
        s.observe(job(P))
        stored = s.stored("zuora.mass_updater", "J1")
        assert stored is not None and stored.first_seen == at(42)
