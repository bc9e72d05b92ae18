"""Settle the submissions a crash (or a lost answer) left pending, never starting a job twice.

``hub.submit`` writes a submission row before it sends and links the row to
the job after. When the process dies in between, or the answer is lost on
the wire, the row stays pending: the provider may or may not have started
the job. :func:`reconcile` decides each pending row, in this order:

1. the adapter declares ``idempotent_submit`` and the caller can rebuild the
   request: send it again with the *same* idempotency key; the provider
   answers with the job the first send started (or starts it now, once);
2. the adapter can ``list``: look for the job among the provider's jobs
   (created after the submission, same operation and target, not already in
   the store). One match is linked; none means the request never started a
   job (it is then sent now, once, when the caller can rebuild it, else marked
   failed so it can be submitted again); several are left to an operator;
3. otherwise the row is ``unknown``: left pending for an operator, who looks
   at the provider and calls :meth:`Hub.resolve_submission`. Never resent blindly.

The store keeps a summary of each request, not its file, so only the caller
can rebuild a request: ``resubmit(submission)`` returns it (or None).

The outcome types are in :mod:`jobadapter.reconcile_report`, how a job is matched
and an error judged in :mod:`jobadapter.reconcile_match`; all are named here too.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from jobadapter.adapter import Adapter, check_verb
from jobadapter.config import Profile
from jobadapter.connection import Connection
from jobadapter.errors import (
    ConfigError,
    InvalidRequest,
    JobAdapterError,
    ProviderResponseError,
    TransientError,
)
from jobadapter.idempotency import request_idempotency_key, with_idempotency_key
from jobadapter.model import Job
from jobadapter.reconcile_match import Match, default_match, refused_before_start
from jobadapter.reconcile_report import Reconciled, ReconcileReport, Resolution
from jobadapter.redact import get_logger, redact_text

if TYPE_CHECKING:
    from jobadapter.store.base import Store
    from jobadapter.store.records import Submission

log = get_logger("reconcile")


class Hub(Protocol):
    """What reconciling takes from its host (the Hub is one): the store, and
    the adapters and connections to ask the provider with."""

    @property
    def store(self) -> Store | None: ...

    def adapter(self, name: str, *, profile: str | Profile | None = None) -> Adapter: ...

    def connection(self, adapter: str, profile: str | Profile | None = None) -> Connection: ...

    def get(self, adapter: str, job_id: str, *, profile: str | Profile | None = None) -> Job: ...

    def list_jobs(
        self, adapter: str, *, profile: str | Profile | None = None, **filters: Any
    ) -> Iterator[Job]: ...


#: Rebuilds the request of a pending submission (None when it cannot).
Resubmit = Callable[["Submission"], Any]

#: Seconds a provider's clock may be off from ours when matching creation times.
DEFAULT_WINDOW = 600.0


class _Reconciler:
    """One run over the pending submissions; lists each (adapter, profile) at most once."""

    def __init__(
        self,
        hub: Hub,
        store: Store,
        *,
        resubmit: Resubmit | None,
        match: Match,
        window: float,
    ) -> None:
        self.hub = hub
        self.store = store
        self.resubmit = resubmit
        self.match = match
        self.window = dt.timedelta(seconds=window)
        self._listed: dict[tuple[str, str | None], list[Job]] = {}
        self._claimed: set[tuple[str, str]] = set()

    def run(self) -> ReconcileReport:
        outcomes = []
        for submission in self.store.pending_submissions():
            try:
                outcome = self.settle(submission)
            except Exception as exc:  # one submission's failure: reported, the rest go on
                if not isinstance(exc, JobAdapterError):
                    log.exception("reconcile: unexpected error on submission %s", submission.id)
                outcome = Reconciled(submission, Resolution.UNKNOWN, detail=_brief(exc))
            unknown = outcome.resolution is Resolution.UNKNOWN
            log.log(
                logging.WARNING if unknown else logging.INFO, "reconcile: %s", outcome.describe()
            )
            outcomes.append(outcome)
        return ReconcileReport(tuple(outcomes))

    def settle(self, sub: Submission) -> Reconciled:
        cls = type(self.hub.adapter(sub.adapter))
        request = self._request(sub)
        refusal: JobAdapterError | None = None
        if request is not None and cls.idempotent_submit:
            sent = self._send(sub, request, Resolution.RESENT)
            if isinstance(sent, Reconciled):
                return sent
            refusal = sent
        if "list" in cls.capabilities:
            return self._by_listing(sub, None if refusal is not None else request, refusal)
        why = (
            f"{sub.adapter} documents no idempotent submit and cannot list jobs"
            if not cls.idempotent_submit
            else "the request could not be rebuilt (pass resubmit=) and jobs cannot be listed"
        )
        return Reconciled(
            sub,
            Resolution.UNKNOWN,
            detail=f"{why}: check the provider, then call hub.resolve_submission({sub.id}, ...)",
        )

    def _request(self, sub: Submission) -> Any:
        """The caller's rebuilt request, carrying the submission's key (None if it cannot)."""
        if self.resubmit is None:
            return None
        request = self.resubmit(sub)
        if request is None:
            return None
        request = with_idempotency_key(request, sub.idempotency_key)
        if request_idempotency_key(request) != sub.idempotency_key:
            log.warning(
                "reconcile: the rebuilt %s request cannot carry its idempotency key; not resending",
                sub.adapter,
            )
            return None
        return request

    def _send(
        self, sub: Submission, request: Any, resolution: Resolution
    ) -> Reconciled | JobAdapterError:
        """Send ``request`` for ``sub``: the outcome, or the error when the provider refused it."""
        conn = self.hub.connection(sub.adapter, sub.profile)
        adapter = self.hub.adapter(sub.adapter, profile=conn.profile)
        check_verb(adapter, "submit")
        try:
            job = adapter.submit(conn, request)
        except JobAdapterError as exc:
            if refused_before_start(exc):
                log.info(
                    "reconcile: sending %s submission %s refused: %s", sub.adapter, sub.id, exc
                )
                return exc
            return Reconciled(sub, Resolution.RETRY, detail=f"sending failed: {_brief(exc)}")
        self.store.complete_submission(sub.id, job)
        self._claimed.add(job.key)
        return Reconciled(sub, resolution, job)

    def _by_listing(
        self, sub: Submission, request: Any, refusal: JobAdapterError | None
    ) -> Reconciled:
        try:
            listed = self._list(sub.adapter, sub.profile)
        except (TransientError, ProviderResponseError) as exc:
            return Reconciled(sub, Resolution.RETRY, detail=f"listing failed: {_brief(exc)}")
        since = sub.created_at - self.window
        candidates = [
            job
            for job in listed
            if job.key not in self._claimed
            and (job.created_at is None or job.created_at >= since)
            and self.store.get(job.adapter, job.id) is None
            and self.match(sub, job)
        ]
        if len(candidates) == 1:
            job = candidates[0]
            if self.hub.adapter(sub.adapter, profile=sub.profile).half_made(job):
                return self._half_made(sub, job)
            self.store.complete_submission(sub.id, job)
            self._claimed.add(job.key)
            return Reconciled(sub, Resolution.FOUND, job)
        if candidates:
            ids = ", ".join(j.id for j in candidates[:5])
            return Reconciled(
                sub,
                Resolution.UNKNOWN,
                detail=f"{len(candidates)} jobs could be it ({ids}): link the right one with "
                f"hub.resolve_submission({sub.id}, job_id=...)",
            )
        if request is not None:
            sent = self._send(sub, request, Resolution.SENT)
            if isinstance(sent, Reconciled):
                return sent
            refusal = sent
        if refusal is not None:
            self.store.fail_submission(
                sub.id, f"reconcile: no job at the provider, and it refused the request: {refusal}"
            )
            return Reconciled(sub, Resolution.NOT_STARTED, detail=f"refused: {_brief(refusal)}")
        self.store.fail_submission(
            sub.id,
            "reconcile: the provider lists no job for this submission, so it never started; "
            "submit it again",
        )
        return Reconciled(sub, Resolution.NOT_STARTED, detail="no job at the provider")

    def _half_made(self, sub: Submission, job: Job) -> Reconciled:
        """A job the crash left half made (created, never given its file or submitted):
        not a found job. Resending under the key (``resubmit=``, where the adapter is
        idempotent) finishes it before any listing; here it is left to an operator,
        unlinked, so no watch waits on a job that will never run."""
        self._claimed.add(job.key)
        return Reconciled(
            sub,
            Resolution.UNKNOWN,
            detail=f"{sub.adapter} job {job.id} was created but never finished (status "
            f"{job.native_status!r}: its file was never uploaded or it was never submitted), "
            "so it will never run. Finish it by running hub.reconcile(resubmit=...) from a "
            "program that can rebuild the request, or cancel it at the provider and call "
            f"hub.resolve_submission({sub.id}, job_id=None) (jobadapter resolve)",
        )

    def _list(self, adapter: str, profile: str | None) -> list[Job]:
        key = (adapter, profile)
        if key not in self._listed:
            self._listed[key] = list(self.hub.list_jobs(adapter, profile=profile))
        return self._listed[key]


def reconcile(
    hub: Hub,
    *,
    resubmit: Resubmit | None = None,
    match: Match | None = None,
    window: float = DEFAULT_WINDOW,
) -> ReconcileReport:
    """Decide every pending submission in ``hub.store`` (see the module docstring).

    ``resubmit(submission)``: the original request (its idempotency key is set
    from the submission), or None; ``match(submission, job)``: whether a listed
    job is the submission's (default :func:`default_match`); ``window``:
    seconds of clock difference allowed between the store and the provider.
    Run it before ``hub.track(resume=True)``: the jobs it links are then watched.
    """
    store = hub.store
    if store is None:
        raise ConfigError(
            "reconcile reads the store's submissions: create the Hub with store=SqliteStore(...)"
        )
    if window < 0:
        raise ValueError(f"window is seconds >= 0, got {window!r}")
    return _Reconciler(
        hub, store, resubmit=resubmit, match=match or default_match, window=window
    ).run()


def resolve_submission(hub: Hub, submission_id: int, *, job_id: str | None) -> Job | None:
    """An operator's decision on a pending submission: ``job_id`` is the job it
    started (fetched and linked), or None when the provider has none (marked failed)."""
    from jobadapter.store.records import SubmissionState

    store = hub.store
    if store is None:
        raise ConfigError("resolving a submission needs the Hub's store")
    sub = store.submission(submission_id)
    if sub.state is not SubmissionState.PENDING:
        raise InvalidRequest(
            f"submission {submission_id} is already {sub.state.value}"
            + (f" (job {sub.job_id})" if sub.job_id else "")
            + "; only pending submissions can be resolved"
        )
    if job_id is None:
        store.fail_submission(submission_id, "resolved by an operator: no job was started")
        return None
    job = hub.get(sub.adapter, job_id, profile=sub.profile)
    store.complete_submission(submission_id, job)
    return job


def _brief(exc: BaseException) -> str:
    return redact_text(f"{type(exc).__name__}: {exc}")[:300]


__all__ = [
    "DEFAULT_WINDOW",
    "Match",
    "ReconcileReport",
    "Reconciled",
    "Resolution",
    "Resubmit",
    "default_match",
    "reconcile",
    "refused_before_start",
    "resolve_submission",
]
