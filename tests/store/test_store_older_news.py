"""Observations ordered by when they were fetched, written in another order.

Two processes (or watchers) stamp an observation with the time it was fetched,
then wait for the write lock; the one stamped later may be written first. An
answer older than the one stored last is old news for counters and last-seen
time, but a legal move forward from the stored status is news however late it
arrives: dropping it loses the move for good when the job moves on before the
next poll (the flake of ``test_two_processes_writing_at_once_lose_nothing``,
where process B's stale ``pending`` was stamped after A's ``running``).
"""

from __future__ import annotations

from jobadapter.model import Counts
from jobadapter.observe import AnomalyKind
from jobadapter.store import Store
from store_backends import Backend
from store_jobs import P, R, S, at, job

A = "zuora.mass_updater"


def _path(backend: Backend, key: str) -> list[tuple[object, object]]:
    with backend.open() as s:
        return [(t.old_status, t.new_status) for t in s.transitions(A, key)]


def test_a_move_forward_written_after_a_later_stale_answer_is_kept(backend: Backend) -> None:
    """The interleaving the two-process test hit, forced with explicit fetch times."""
    first, second = backend.open(), backend.open()
    first.observe(job(P, id="X"), observed_at=at(1))
    second.observe(job(P, id="X"), observed_at=at(3))  # behind: fetched later, written first
    moved = first.observe(job(R, id="X"), observed_at=at(2))
    assert moved.status_changed and not moved.anomalies
    first.observe(job(S, id="X"), observed_at=at(5))
    second.observe(job(R, id="X"), observed_at=at(4))  # older than the end: old news
    second.observe(job(S, id="X"), observed_at=at(6))
    assert _path(backend, "X") == [(None, P), (P, R), (R, S)]
    with backend.open() as s:
        moves = s.transitions(A, "X")
        assert [t.observed_at for t in moves] == [at(1), at(2), at(5)]
        assert s.anomalies() == []
        stored = s.stored(A, "X")
        assert stored is not None and stored.job.status is S and stored.last_seen == at(6)


def test_an_older_move_forward_keeps_the_newer_counters_and_last_seen(store: Store) -> None:
    store.observe(job(P, id="Y", counts=Counts(total=100, processed=0)), observed_at=at(1))
    store.observe(job(P, id="Y", counts=Counts(total=100, processed=30)), observed_at=at(3))
    late = store.observe(job(R, id="Y", counts=Counts(total=100, processed=20)), observed_at=at(2))
    # Lower counters in an older answer are no drop: no anomaly, the higher ones kept.
    assert late.status_changed and not late.anomalies
    stored = store.stored(A, "Y")
    assert stored is not None and stored.job.status is R
    assert stored.job.counts.processed == 30 and stored.last_seen == at(3)
    assert [a.anomaly.kind for a in store.anomalies()] == []
    # Still old news when it moves nothing, and a move back is still an anomaly.
    store.observe(job(R, id="Y", counts=Counts(total=100, processed=10)), observed_at=at(2.5))
    stale = store.observe(job(P, id="Y"), observed_at=at(4))
    assert [a.kind for a in stale.anomalies] == [AnomalyKind.BACKWARD_MOVE]
