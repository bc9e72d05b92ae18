"""The Hub: the one object an embedding program holds.

It loads plugins and profiles, owns the shared transport (one connection
pool), and runs every verb through the adapter a job belongs to. No global
state: two hubs in one process are independent.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from jobadapter.adapter import VERB_METHODS, Adapter, answer_for, check_verb
from jobadapter.clock import Clock, SystemClock
from jobadapter.config import Profile
from jobadapter.connection import Connection
from jobadapter.events import Event
from jobadapter.idempotency import (
    request_idempotency_key,
    summarise_request,
    with_idempotency_key,
)
from jobadapter.lookup import HubLookups, profiles_by_name
from jobadapter.model import Job
from jobadapter.plugins import PluginHost
from jobadapter.redact import get_logger
from jobadapter.transport import Transport

__all__ = [
    "Hub",
    "request_idempotency_key",
    "summarise_request",
    "with_idempotency_key",
]

if TYPE_CHECKING:
    from jobadapter.reconcile import Match, ReconcileReport, Resubmit
    from jobadapter.store.base import Store
    from jobadapter.tracker import (
        DeadlineLike,
        OnEvent,
        PollPolicy,
        Tracker,
        TrackerStore,
        TrackItem,
        TrackResult,
    )

log = get_logger("hub")


class Hub(HubLookups):
    """Plugins, profiles and transport in one place; thread-safe.

    ``config``: a TOML path (default ``$JOBADAPTER_CONFIG`` or the user config
    dir; ``False`` reads no file); ``profiles``: profiles given in code (they win over the file's);
    ``plugins``: extra plugin objects to register (tests, embedding programs);
    ``load_entrypoints``: set False to load only built-ins and ``plugins``;
    ``clock``: time for watches and retries (a FakeClock in tests);
    ``store``: where watches keep jobs, deadlines and errors by default: a
    :class:`~jobadapter.store.Store`, or a URL (a path, ``sqlite:///path`` or
    ``postgresql://user@host/db``) that the hub opens and closes itself.
    """

    def __init__(
        self,
        *,
        config: str | Path | Literal[False] | None = None,
        profiles: Mapping[str, Profile] | Iterable[Profile] | None = None,
        plugins: Iterable[object] = (),
        load_entrypoints: bool = True,
        transport: Transport | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        store: Store | str | os.PathLike[str] | None = None,
    ) -> None:
        self.plugins = PluginHost(
            load_entrypoints=load_entrypoints, plugins=plugins, environ=environ
        )
        self._config_path = config
        self._profiles: dict[str, Profile] | None = None
        self._given_profiles = profiles_by_name(profiles)
        self.clock: Clock = clock or SystemClock()
        self._owns_store = store is not None and isinstance(store, (str, os.PathLike))
        if isinstance(store, (str, os.PathLike)):
            from jobadapter.store.urls import open_store

            store = open_store(store)
        self.store: Store | None = store
        if transport is None:
            transport = Transport(sleep=clock.sleep) if clock is not None else Transport()
        self.transport = transport
        self._connections: dict[str, Connection] = {}
        self._instances: dict[tuple[str, str], tuple[type[Adapter], Profile, Adapter]] = {}
        #: (verb, adapter, profile name) -> what ``_call`` found for it, reused while the
        #: adapter class, the profile and the connection are still the ones it found.
        self._verbs: dict[tuple[str, str, str], tuple[type[Adapter], Profile, Connection, Any]] = {}
        self._zone_warned: set[str] = set()
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<Hub adapters={self.adapters()!r}>"

    def close(self) -> None:
        self.transport.close()
        if self._owns_store and self.store is not None:
            self.store.close()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- verbs -------------------------------------------------------------------

    def _call(
        self, verb: str, adapter: str, profile: str | Profile | None, *args: Any, **kwargs: Any
    ) -> Any:
        if profile.__class__ is str:  # the usual call: a profile by name, resolved before
            known = self._verbs.get((verb, adapter, profile))
            profiles = self._profiles  # set by the first call that resolved ``known``
            if (
                known is not None
                and profiles is not None
                and self.plugins.registry.adapters.get(adapter) is known[0]
                and profiles.get(profile) is known[1]
                and self._connections.get(known[1].name) is known[2]
            ):
                return known[3](known[2], *args, **kwargs)
        cls = self._adapter_class(adapter)
        prof = self._resolve_profile(cls, profile)
        instance = self._adapter_for(adapter, prof, cls)
        check_verb(instance, verb)
        conn = self._connection_for(prof)
        method = getattr(instance, VERB_METHODS[verb])
        if profile.__class__ is str and self.profiles.get(profile) is prof:
            if len(self._verbs) >= 1024:  # a bound, should a caller invent names
                self._verbs.clear()
            # The same (class, profile, connection) next time means the same adapter
            # instance (see _adapter_for) and the same checks passed: call it at once.
            self._verbs[(verb, adapter, profile)] = (cls, prof, conn, method)
        return method(conn, *args, **kwargs)

    def submit(
        self,
        adapter: str,
        request: Any,
        *,
        profile: str | Profile | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """Start a job; returns it as the provider first reports it.

        One idempotency key per logical submission (the caller's, the
        request's, or a new one), reused on every retry. With a store, the
        submission is written *before* the request is sent and linked to the
        job after, so a crash in between can be reconciled, not resubmitted.
        """
        key = idempotency_key or request_idempotency_key(request) or uuid.uuid4().hex
        request = with_idempotency_key(request, key)
        conn = self.connection(adapter, profile)
        if self.store is None:
            job: Job = self._call("submit", adapter, conn.profile, request)
            self._submitted(job, conn.profile.name)
            return job
        submission = self.store.record_submission(
            adapter=adapter,
            profile=conn.profile.name,
            idempotency_key=key,
            request_summary=summarise_request(request),
        )
        try:
            job = self._call("submit", adapter, conn.profile, request)
        except Exception as exc:
            from jobadapter.reconcile import refused_before_start

            if refused_before_start(exc):
                self.store.fail_submission(submission, f"{type(exc).__name__}: {exc}")
            else:  # the provider may have started it: hub.reconcile() decides, never a blind resend
                log.warning(
                    "%s submission %s (key %s) has no answer (%s): left pending; run "
                    "hub.reconcile() before submitting it again",
                    adapter,
                    submission,
                    key,
                    type(exc).__name__,
                )
            raise
        self.store.complete_submission(submission, job)
        self._submitted(job, conn.profile.name)
        return job

    def _submitted(self, job: Job, profile: str) -> None:
        from jobadapter.events import EventKind

        self.emit(
            Event(
                kind=EventKind.SUBMITTED,
                adapter=job.adapter,
                job_id=job.id,
                at=dt.datetime.now(dt.timezone.utc),
                job=job,
                profile=profile,
            )
        )

    def reconcile(
        self,
        *,
        resubmit: Resubmit | None = None,
        match: Match | None = None,
        window: float | None = None,
    ) -> ReconcileReport:
        """Settle every submission left pending by a crash or a lost answer, never
        starting a job twice: resend with the same idempotency key where the adapter
        is ``idempotent_submit``, else find the job by listing, else leave it
        ``unknown`` for an operator. ``resubmit(submission)`` rebuilds a request
        (the store keeps only its summary). See :mod:`jobadapter.reconcile`; run it
        before ``track(resume=True)``."""
        from jobadapter.reconcile import DEFAULT_WINDOW, reconcile

        return reconcile(
            self,
            resubmit=resubmit,
            match=match,
            window=DEFAULT_WINDOW if window is None else window,
        )

    def resolve_submission(self, submission_id: int, *, job_id: str | None) -> Job | None:
        """An operator settles an ``unknown`` submission: ``job_id`` is the job it
        started (fetched, stored and linked), or None when it started none (marked failed)."""
        from jobadapter.reconcile import resolve_submission

        return resolve_submission(self, submission_id, job_id=job_id)

    def report(
        self, format: str = "json", *, options: Mapping[str, Any] | None = None, **filters: Any
    ) -> str:
        """The unified report of the hub's store, rendered by a registered format
        (``table``, ``json``, ``csv`` or a plugin's); ``options`` go to that format's
        renderer (``wide=True`` for tables); ``filters``: ``group_by``,
        ``since``, ``until``, ``status``, ``adapter``, ``provider``, ``profile``."""
        from jobadapter.reports import report

        return report(
            self.store,
            format,
            formats=self.plugins.registry.report_formats,
            options=options,
            **filters,
        )

    def get(self, adapter: str, job_id: str, *, profile: str | Profile | None = None) -> Job:
        """The job's current state at the provider."""
        job: Job = self._call("get", adapter, profile, job_id)
        if job.id == job_id and job.adapter == adapter:  # answer_for's own test, inline
            return job
        return answer_for(adapter, job_id, job)

    def cancel(self, adapter: str, job_id: str, *, profile: str | Profile | None = None) -> Job:
        """Ask the provider to stop the job (where it can)."""
        job: Job = self._call("cancel", adapter, profile, job_id)
        return answer_for(adapter, job_id, job)

    def results(
        self, adapter: str, job_id: str, *, profile: str | Profile | None = None
    ) -> Iterator[dict[str, Any]]:
        """The job's row outcomes, streamed."""
        rows: Iterator[dict[str, Any]] = self._call("results", adapter, profile, job_id)
        return rows

    def list_jobs(
        self, adapter: str, *, profile: str | Profile | None = None, **filters: Any
    ) -> Iterator[Job]:
        """The provider's jobs of this kind."""
        jobs: Iterator[Job] = self._call("list", adapter, profile, **filters)
        return jobs

    # -- watching ------------------------------------------------------------------

    def tracker(
        self,
        *,
        on_event: OnEvent | None = None,
        workers: int | None = None,
        store: TrackerStore | None = None,
        policy: PollPolicy | None = None,
    ) -> Tracker:
        """A :class:`~jobadapter.tracker.Tracker` to add jobs to, ``run()``, and
        ``stop()`` from another thread or a signal handler."""
        from jobadapter.tracker import Tracker

        return Tracker(
            self,
            on_event=on_event,
            workers=workers,
            store=store if store is not None else self.store,
            policy=policy,
        )

    def track(
        self,
        jobs: Iterable[TrackItem] = (),
        *,
        deadline: DeadlineLike = None,
        on_event: OnEvent | None = None,
        workers: int | None = None,
        store: TrackerStore | None = None,
        resume: bool = False,
        policy: PollPolicy | None = None,
    ) -> TrackResult:
        """Watch many jobs until each is terminal, hits ``deadline`` or fails for good.

        ``jobs``: Jobs, ``(adapter, job_id)`` or ``(adapter, job_id, profile)``;
        ``resume``: also watch every open job in the store (with its stored
        deadline, unless ``deadline`` is given). Returns a
        :class:`~jobadapter.tracker.TrackResult`; one job's error never stops the others.
        """
        tracker = self.tracker(on_event=on_event, workers=workers, store=store, policy=policy)
        tracker.extend(jobs, deadline=deadline)
        if resume:
            tracker.resume(deadline=deadline)
        return tracker.run()

    def wait(
        self,
        adapter: str,
        job_id: str,
        *,
        profile: str | Profile | None = None,
        deadline: DeadlineLike = None,
        on_event: OnEvent | None = None,
        store: TrackerStore | None = None,
        policy: PollPolicy | None = None,
    ) -> Job:
        """Poll one job (adaptively) until it is terminal and return it.

        ``deadline``: an aware datetime, or seconds from now; when it passes,
        :class:`~jobadapter.errors.WatchDeadline` is raised carrying the last Job
        (the job goes on at the provider). A permanent error (NotFound, AuthError,
        ...) is raised as is; transient ones are retried.
        """
        tracker = self.tracker(on_event=on_event, workers=0, store=store, policy=policy)
        key = tracker.add(adapter, job_id, profile=profile, deadline=deadline)
        return tracker.run().outcome(key)

    # -- events ------------------------------------------------------------------

    def emit(self, event: Event) -> None:
        """Send ``event`` to the plugins' event hooks; a failing hook is logged, not fatal."""
        from jobadapter.events import EventKind

        hook = (
            self.plugins.pm.hook.job_anomaly
            if event.kind is EventKind.ANOMALY
            else self.plugins.pm.hook.job_changed
        )
        if not hook.get_hookimpls():
            return  # nobody listens: skip pluggy's call machinery (~5 us per event)
        try:
            hook(event=event)
        except Exception:
            log.exception("a job event hook failed for %s", event.describe())
