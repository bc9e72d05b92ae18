"""Scripted jobs: an in-process provider whose answers follow a timeline.

For the tracker's tests and benchmark: the tracker must not care whether an
adapter does HTTP, and a timeline read off a :class:`FakeClock` makes a
watch of hours run in milliseconds, with every poll time recorded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from jobadapter.adapter import Adapter
from jobadapter.clock import Clock
from jobadapter.errors import NotFound
from jobadapter.hookspecs import HOOK_API_VERSION, hookimpl
from jobadapter.model import Counts, Job
from jobadapter.provider import Provider
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable

if TYPE_CHECKING:
    from jobadapter.auth import Credentials
    from jobadapter.config import Profile
    from jobadapter.connection import Connection
    from jobadapter.hub import Hub

PROVIDER = "scripted"


class Timeline(Protocol):
    """A job's answers over time (seconds since the script started)."""

    def answer(self, adapter: str, job_id: str, t: float) -> Job:
        """The Job the provider reports at ``t`` (or raise the error it answers)."""


@attrs.frozen(slots=True)
class Step:
    """From ``at`` on, the provider answers this (or raises ``error``)."""

    at: float
    status: JobStatus = JobStatus.PENDING
    processed: int | None = None
    total: int | None = None
    failed: int | None = None
    error: Exception | None = attrs.field(default=None, eq=False)


def _job(adapter: str, job_id: str, status: JobStatus, counts: Counts) -> Job:
    return Job(adapter=adapter, id=job_id, status=status, native_status=status.name, counts=counts)


@attrs.frozen(slots=True)
class Steps:
    """A timeline given step by step (stale answers included, if scripted)."""

    steps: tuple[Step, ...]

    def answer(self, adapter: str, job_id: str, t: float) -> Job:
        current = self.steps[0]
        for step in self.steps:
            if step.at > t:
                break
            current = step
        if current.error is not None:
            raise current.error
        failed = current.failed
        succeeded = None if current.processed is None else current.processed - (failed or 0)
        counts = Counts(current.total, current.processed, succeeded, failed)
        return _job(adapter, job_id, current.status, counts)


@attrs.frozen(slots=True)
class Linear:
    """Pending until ``run_at``, then ``total`` rows processed at a steady rate
    until ``end`` (the true end), then ``outcome``. ``counts=False`` hides the
    counters (a provider that only reports a status)."""

    run_at: float
    end: float
    total: int = 1000
    outcome: JobStatus = JobStatus.SUCCEEDED
    failed: int = 0
    counts: bool = True

    def answer(self, adapter: str, job_id: str, t: float) -> Job:
        if t < self.run_at:
            return _job(
                adapter, job_id, JobStatus.PENDING, Counts(self.total if self.counts else None)
            )
        if t >= self.end:
            done = self.total if self.outcome is JobStatus.SUCCEEDED else None
            counts = (
                Counts(self.total, done, None if done is None else done - self.failed, self.failed)
                if self.counts
                else Counts()
            )
            return _job(adapter, job_id, self.outcome, counts)
        if not self.counts:
            return _job(adapter, job_id, JobStatus.RUNNING, Counts())
        share = (t - self.run_at) / (self.end - self.run_at)
        done = int(self.total * share)
        failed = int(self.failed * share)
        return _job(
            adapter, job_id, JobStatus.RUNNING, Counts(self.total, done, done - failed, failed)
        )


class ScriptedJobs:
    """The provider side: timelines by job id, answered at the clock's time.

    Records every call (``calls``: (time, adapter, job_id, profile)) unless
    ``record=False``, and the most requests in flight at once per profile
    (``peak_in_flight``). ``latency``: real seconds each answer takes (a few
    milliseconds in tests, so threads overlap).
    """

    def __init__(self, clock: Clock, *, latency: float = 0.0, record: bool = True) -> None:
        self.clock = clock
        self.start = clock.time()
        self.latency = latency
        self.record = record
        self.timelines: dict[str, Timeline] = {}
        self.calls: list[tuple[float, str, str, str]] = []
        self.count = 0
        #: Calls per adapter.
        self.by_adapter: dict[str, int] = {}
        self.in_flight: dict[str, int] = {}
        self.peak_in_flight: dict[str, int] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<ScriptedJobs {len(self.timelines)} jobs, {self.count} calls>"

    def add(self, job_id: str, timeline: Timeline) -> None:
        self.timelines[job_id] = timeline

    def script(self, job_id: str, *steps: Step) -> None:
        """``job_id`` answers each step from its ``at`` on."""
        if not steps:
            raise ValueError(f"script {job_id!r} with at least one Step")
        self.timelines[job_id] = Steps(steps)

    def times(self, job_id: str) -> list[float]:
        """When ``job_id`` was polled, in seconds since the script started."""
        return [at - self.start for at, _, jid, _ in self.calls if jid == job_id]

    def answer(self, adapter: str, job_id: str, profile: str) -> Job:
        now = self.clock.time()
        with self._lock:
            self.count += 1
            self.by_adapter[adapter] = self.by_adapter.get(adapter, 0) + 1
            if self.record:
                self.calls.append((now, adapter, job_id, profile))
            self.in_flight[profile] = self.in_flight.get(profile, 0) + 1
            self.peak_in_flight[profile] = max(
                self.peak_in_flight.get(profile, 0), self.in_flight[profile]
            )
        try:
            if self.latency:
                time.sleep(self.latency)
            timeline = self.timelines.get(job_id)
            if timeline is None:
                raise NotFound(f"no job {job_id!r}", status=404, adapter=adapter)
            return timeline.answer(adapter, job_id, now - self.start)
        finally:
            with self._lock:
                self.in_flight[profile] -= 1


class ScriptedAdapter(Adapter):
    """Base of the adapters :func:`scripted_adapter` makes."""

    abstract = True
    provider = PROVIDER
    capabilities = frozenset({"get"})
    jobs: ScriptedJobs

    def build_job(self, payload: Any, *, job_id: str | None) -> Job:
        raise self.malformed("scripted adapters answer Jobs, not payloads")

    def get(self, conn: Connection, job_id: str) -> Job:
        return self.jobs.answer(self.name, job_id, conn.profile.name)


def scripted_adapter(
    name: str, jobs: ScriptedJobs, *, poll_interval: tuple[float, float] = (1.0, 30.0)
) -> type[ScriptedAdapter]:
    """A new adapter class ``name`` answering from ``jobs``."""
    table = StatusTable({status: (status.name,) for status in JobStatus}, owner=name)
    attrs_: dict[str, Any] = {
        "name": name,
        "statuses": table,
        "jobs": jobs,
        "poll_interval": poll_interval,
    }
    cls_name = "Scripted_" + name.replace(".", "_")
    return type(cls_name, (ScriptedAdapter,), attrs_)


class ScriptedProvider(Provider):
    """A provider that needs no credentials (scripted adapters send no requests)."""

    name = PROVIDER

    def credentials(self, profile: Profile) -> Credentials:
        from jobadapter.auth import StaticToken

        return StaticToken(profile.secret("token") or "scripted")


class ScriptedPlugin:
    """A plugin object registering the scripted provider and ``adapters``."""

    JOBADAPTER_API_VERSION = HOOK_API_VERSION

    def __init__(self, adapters: Sequence[type[Adapter]], *, name: str = "scripted") -> None:
        self.adapters = tuple(adapters)
        self.__name__ = name

    @hookimpl
    def register_providers(self, register: Callable[[Any], None]) -> None:
        register(ScriptedProvider())

    @hookimpl
    def register_adapters(self, register: Callable[[type[Adapter]], None]) -> None:
        for cls in self.adapters:
            register(cls)


def scripted_hub(
    clock: Clock,
    adapters: Sequence[str] = ("scripted.alpha",),
    profiles: Sequence[Profile] | None = None,
    *,
    latency: float = 0.0,
    record: bool = True,
    poll_interval: tuple[float, float] = (1.0, 30.0),
    plugins: Sequence[object] = (),
    jobs: ScriptedJobs | None = None,
    **hub_options: Any,
) -> tuple[Hub, ScriptedJobs]:
    """A Hub with scripted ``adapters`` (sharing ``jobs``, a new :class:`ScriptedJobs`
    by default) and ``profiles`` (default: one profile named ``scripted``), on ``clock``."""
    from jobadapter.config import Profile
    from jobadapter.hub import Hub

    jobs = jobs or ScriptedJobs(clock, latency=latency, record=record)
    classes = [scripted_adapter(name, jobs, poll_interval=poll_interval) for name in adapters]
    hub = Hub(
        load_entrypoints=False,
        plugins=[ScriptedPlugin(classes), *plugins],
        profiles=list(profiles or [Profile(name=PROVIDER, provider=PROVIDER)]),
        clock=clock,
        **hub_options,
    )
    return hub, jobs
