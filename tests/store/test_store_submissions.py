"""Every backend records a submission before it is sent, so a crash leaves it to reconcile."""

from __future__ import annotations

import pytest
from jobadapter.store import Store, StoreError, SubmissionExists, SubmissionState, UnknownSubmission
from store_backends import Backend
from store_jobs import P, at, job


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
