"""How a careful client submits many jobs: store first, reconcile what is unclear, never resend blindly.

A refused submission (4xx, 429: nothing started) is retried under a new key;
an unanswered one stays pending and goes through ``hub.reconcile()``; what
reconcile cannot decide (Zoho: no idempotency, no listing) goes to the
operator, played here by a function that looks at the simulator, as a
person would look at the provider's web page.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs
from jobadapter import Hub, JobAdapterError
from jobadapter.reconcile import Resolution
from jobadapter.store import SqliteStore, Submission, SubmissionState
from reliability_world import PROFILE_OF, ZOHO, ZOHO_MODULE, Sims, Spec, build_request

MAX_ATTEMPTS = 12


@attrs.define
class Campaign:
    """Submits ``specs`` through ``hub`` and settles every submission."""

    hub: Hub
    store: SqliteStore
    sims: Sims
    specs: Sequence[Spec]
    #: Called with the number of submissions made so far (to expire tokens mid-run).
    on_submitted: Callable[[int], None] | None = None
    keys_by_marker: dict[str, list[str]] = attrs.Factory(lambda: defaultdict(list))
    spec_by_key: dict[str, Spec] = attrs.Factory(dict)
    reconciled: dict[str, int] = attrs.Factory(lambda: defaultdict(int))
    refused: int = 0
    left_pending: int = 0
    operator_linked: int = 0
    operator_not_started: int = 0
    _lock: threading.Lock = attrs.Factory(threading.Lock)
    _done: int = 0

    def _key(self, spec: Spec) -> str:
        with self._lock:
            keys = self.keys_by_marker[spec.marker]
            key = f"{spec.marker}-k{len(keys)}"
            keys.append(key)
            self.spec_by_key[key] = spec
            return key

    def submit(self, spec: Spec) -> None:
        """Submit one logical job until it is started or left pending for reconcile."""
        for _ in range(MAX_ATTEMPTS):
            key = self._key(spec)
            try:
                self.hub.submit(
                    spec.adapter,
                    build_request(spec, key),
                    profile=PROFILE_OF[spec.adapter],
                    idempotency_key=key,
                )
            except JobAdapterError:
                sub = self.store.find_submission(spec.adapter, key)
                if sub is not None and sub.state is SubmissionState.FAILED:
                    with self._lock:
                        self.refused += 1
                    continue  # refused: nothing started, so a new key is no duplicate
                with self._lock:
                    self.left_pending += 1
            break
        else:
            raise AssertionError(f"{spec.marker}: refused {MAX_ATTEMPTS} times")
        with self._lock:
            self._done += 1
            done = self._done
        if self.on_submitted is not None:
            self.on_submitted(done)

    def submit_all(self, workers: int = 8) -> None:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(self.submit, self.specs))

    def resubmit(self, submission: Submission) -> Any:
        spec = self.spec_by_key.get(submission.idempotency_key)
        return None if spec is None else build_request(spec, submission.idempotency_key)

    def settle(self, rounds: int = 20) -> None:
        """Reconcile (and play the operator) until no submission is pending."""
        for _ in range(rounds):
            if not self.store.pending_submissions():
                return
            report = self.hub.reconcile(resubmit=self.resubmit)
            for outcome in report:
                self.reconciled[outcome.resolution.value] += 1
                if outcome.resolution is Resolution.UNKNOWN:
                    self.operate(outcome.submission)
                elif outcome.resolution is Resolution.NOT_STARTED:
                    self.submit(self.spec_by_key[outcome.submission.idempotency_key])
        pending = self.store.pending_submissions()
        raise AssertionError(f"{len(pending)} submissions still pending: {pending[:3]}")

    def operate(self, submission: Submission) -> None:
        """An operator settles an ``unknown`` submission by looking at the provider."""
        spec = self.spec_by_key[submission.idempotency_key]
        assert spec.adapter == ZOHO, f"only Zoho submissions should need an operator: {spec}"
        started = [job for job in self.sims.zoho.jobs.values() if job.cvid == spec.cvid]
        linked = {s.job_id for s in self._completed(spec)}
        fresh = [job for job in started if f"{ZOHO_MODULE}:{job.id}" not in linked]
        assert len(fresh) <= 1, f"{spec.marker}: Zoho started {len(fresh)} jobs"
        for _ in range(MAX_ATTEMPTS):
            try:
                if fresh:
                    self.hub.resolve_submission(
                        submission.id, job_id=f"{ZOHO_MODULE}:{fresh[0].id}"
                    )
                else:
                    self.hub.resolve_submission(submission.id, job_id=None)
            except JobAdapterError:
                continue  # the provider did not answer the look-up: look again
            break
        if fresh:
            self.operator_linked += 1
        else:
            self.operator_not_started += 1
            self.submit(spec)

    def _completed(self, spec: Spec) -> list[Submission]:
        subs = [
            self.store.find_submission(spec.adapter, k) for k in self.keys_by_marker[spec.marker]
        ]
        return [s for s in subs if s is not None and s.state is SubmissionState.COMPLETED]
