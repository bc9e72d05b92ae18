"""The store contract: every backend keeps the same jobs, transitions, anomalies,
submissions, deadlines and errors (each test runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
from typing import Any

import attrs
import pytest
from jobadapter.model import Counts, Job, JobError
from jobadapter.observe import AnomalyKind
from jobadapter.status import JobStatus
from jobadapter.store import (
    JobNotStored,
    Store,
    StoreError,
    SubmissionExists,
    SubmissionState,
    UnknownSubmission,
    ValueOutOfRange,
    open_store,
)
from store_backends import Backend
from store_jobs import SENTINEL, P, R, S, at, job

# -- snapshots and transitions -------------------------------------------------------


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


# -- submissions -------------------------------------------------------------------------


def test_submission_written_before_send_survives_a_crash_and_reconciles(backend: Backend) -> None:
    first = backend.open(now=lambda: at(0))
    sid = first.record_submission(
        adapter="zuora.mass_updater",
        profile="prod",
        idempotency_key="key-1",
        request_summary={"action": "update", "file": "accounts.csv", "rows": 3},
    )
    # The process dies here, after sending but before recording the answer: the
    # store opened next (another process, on another host) knows what was sent.
    after = backend.open(now=lambda: at(60))
    (pending,) = after.pending_submissions()
    assert pending.id == sid and pending.state is SubmissionState.PENDING
    assert pending.idempotency_key == "key-1" and pending.profile == "prod"
    assert pending.request_summary == {"action": "update", "file": "accounts.csv", "rows": 3}
    assert pending.created_at == at(0)

    with pytest.raises(SubmissionExists) as info:
        after.record_submission(
            adapter="zuora.mass_updater",
            profile="prod",
            idempotency_key="key-1",
            request_summary={},
        )
    assert info.value.existing.id == sid

    result = after.complete_submission(sid, job(P, id="M-1"), observed_at=at(61))
    assert result.status_changed and result.previous is None
    assert after.pending_submissions() == []
    done = after.submission(sid)
    assert (done.state, done.job_id, done.completed_at) == (
        SubmissionState.COMPLETED,
        "M-1",
        at(61),
    )
    stored = after.stored("zuora.mass_updater", "M-1")
    assert stored is not None and stored.profile == "prod"
    assert after.find_submission("zuora.mass_updater", "key-1") == done
    assert after.find_submission("zoho.mass_update", "key-1") is None
    # Completing twice with the same job is harmless; with another job it is a bug.
    after.complete_submission(sid, job(P, id="M-1"), observed_at=at(62))
    assert len(after.transitions("zuora.mass_updater", "M-1")) == 1
    with pytest.raises(StoreError, match="already started job M-1"):
        after.complete_submission(sid, job(P, id="M-2"))
    with pytest.raises(StoreError, match="cannot be marked failed"):
        after.fail_submission(sid, "too late")
    after.close()


def test_failed_and_unknown_submissions(store: Store) -> None:
    sid = store.record_submission(
        adapter="zoho.mass_update", profile=None, idempotency_key="k", request_summary={}
    )
    store.fail_submission(sid, "HTTP 400 INVALID_DATA: bad module")
    failed = store.submission(sid)
    assert failed.state is SubmissionState.FAILED and failed.error is not None
    assert "INVALID_DATA" in failed.error
    assert store.pending_submissions() == []
    with pytest.raises(UnknownSubmission):
        store.submission(999)
    with pytest.raises(UnknownSubmission):
        store.complete_submission(999, job(P))
    with pytest.raises(StoreError, match="was for zoho.mass_update"):
        store.complete_submission(sid, job(P))
    with pytest.raises(ValueError, match="idempotency key"):
        store.record_submission(
            adapter="zoho.mass_update", profile=None, idempotency_key="", request_summary={}
        )
    # The same key under another adapter is another logical request.
    other = store.record_submission(
        adapter="zuora.mass_updater", profile=None, idempotency_key="k", request_summary={}
    )
    # A timeout looked like a failure, but reconciling found the job after all.
    store.fail_submission(other, "read timed out")
    store.complete_submission(other, job(P, id="found"), observed_at=at(0))
    assert store.submission(other).state is SubmissionState.COMPLETED


def test_the_store_never_keeps_secrets(backend: Backend) -> None:
    with backend.open() as s:
        sid = s.record_submission(
            adapter="zuora.mass_updater",
            profile="p",
            idempotency_key="k",
            request_summary={"client_secret": "plain-value", "note": f"uses {SENTINEL}"},
        )
        s.fail_submission(sid, f"HTTP 401 for token {SENTINEL}")
        s.observe(job(R, raw={"echo": SENTINEL, "header": "Bearer abc.def"}), observed_at=at(0))
        s.record_error("zuora.mass_updater", "J1", f"auth failed with {SENTINEL}", at(1))
        summary = s.submission(sid).request_summary
        assert summary["client_secret"] == "***" and SENTINEL not in summary["note"]
        kept = s.get("zuora.mass_updater", "J1")
        assert kept is not None and kept.raw["echo"] == "***"
        data = backend.dump(s)
    assert "auth failed with" in data and "HTTP 401 for token" in data  # the rows are there
    assert SENTINEL not in data
    assert "plain-value" not in data
    assert "abc.def" not in data


# -- deadlines, errors -------------------------------------------------------------------


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


# -- concurrency -------------------------------------------------------------------------


def test_threads_share_one_store(backend: Backend) -> None:
    with backend.open() as s:

        def work(n: int) -> None:
            for i in range(40):
                for status in (P, R, S):
                    s.observe(job(status, id=f"t{n}-{i}"), observed_at=at(i))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(s.jobs(status=S)) == 160
        assert all(len(s.transitions("zuora.mass_updater", f"t{n}-7")) == 3 for n in range(4))


def test_threads_racing_on_the_same_new_jobs_insert_each_once(backend: Backend) -> None:
    with backend.open() as s:
        gate = threading.Barrier(4)
        failures: list[BaseException] = []

        def work() -> None:
            gate.wait()
            try:
                for status in (P, R, S):
                    for i in range(25):
                        s.observe(job(status, id=f"same-{i}"))
            except BaseException as exc:  # noqa: BLE001  (asserted below)
                failures.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert len(s.jobs()) == 25 and len(s.jobs(status=S)) == 25
        order = [P, R, S]
        for i in range(25):
            moves = s.transitions("zuora.mass_updater", f"same-{i}")
            assert [t.old_status for t in moves].count(None) == 1
            statuses = [t.new_status for t in moves]
            assert statuses == sorted(set(statuses), key=order.index)  # forward, never twice


OWN = 120
SHARED = 30


def _writer(url: str, name: str, barrier: Any) -> None:
    """One process: its own jobs and the shared ones, through the whole life cycle."""
    barrier.wait()  # both open (and migrate) the new store at once, then write at once
    with open_store(url, timeout=60) as s:
        for status in (P, R, S):
            for i in range(max(OWN, SHARED)):
                if i < OWN:
                    s.observe(job(status, id=f"{name}-{i}"), profile=name)
                if i < SHARED:
                    s.observe(job(status, id=f"shared-{i}"))


def test_two_processes_writing_at_once_lose_nothing(backend: Backend) -> None:
    """Both create the schema, then write interleaved: no lost rows, no duplicate moves."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(backend.url, n, barrier)) for n in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]

    with backend.open() as s:
        (transitions,) = s._read(  # type: ignore[attr-defined]
            lambda conn: conn.execute("SELECT COUNT(*) FROM transitions").fetchone()
        )
        assert transitions == 3 * (2 * OWN + SHARED)
        assert len(s.jobs(status=S)) == 2 * OWN + SHARED
        for key in ("a-0", f"b-{OWN - 1}", "shared-0", f"shared-{SHARED - 1}"):
            path = [(t.old_status, t.new_status) for t in s.transitions("zuora.mass_updater", key)]
            assert path == [(None, P), (P, R), (R, S)], key
        # The late process may see stale answers on shared jobs: anomalies, never regressions.
        assert all(a.anomaly.job_id.startswith("shared-") for a in s.anomalies())
