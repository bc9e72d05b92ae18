"""The tracking benchmark's tracker side: a hub over the scripted jobs on a
FakeClock, one full tracker run with its requests, latencies and CPU counted, and
the store wrapped so its own CPU per observation shows apart from the tracker's.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from _common import percentile
from _tracking_jobs import KINDS, BenchJob, Cell, submitted
from _tracking_phases import polls_by_phase
from jobadapter import Event, EventKind, Profile
from jobadapter.clock import FakeClock
from jobadapter.hub import Hub
from jobadapter.store import SqliteStore
from jobadapter.testing.scripted import ScriptedJobs, ScriptedPlugin, scripted_adapter
from jobadapter.tracker import PollPolicy, Tracker


class TimedStore:
    """The store, with the client CPU its ``observe`` takes added up."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.observations = 0
        self.cpu = 0.0

    def observe(self, *args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return self.store.observe(*args, **kwargs)
        finally:
            self.cpu += time.thread_time() - start
            self.observations += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def tracking_setup(
    jobs: list[tuple[str, str, BenchJob]],
    args: argparse.Namespace,
    store: Any,
    *,
    record: bool = False,
) -> tuple[Any, ScriptedJobs, FakeClock, PollPolicy]:
    clock = FakeClock(start=1_700_000_000.0)
    scripted = ScriptedJobs(clock, record=record)
    for _, job_id, timeline in jobs:
        scripted.add(job_id, timeline)
    classes = [scripted_adapter(name, scripted, poll_interval=pi) for name, pi, _, _ in KINDS]
    profile = Profile(
        name="bench",
        provider="scripted",
        poll_min=args.poll_min,
        poll_max=args.poll_max,
        max_in_flight=args.max_in_flight,
    )
    hub = Hub(
        load_entrypoints=False,
        plugins=[ScriptedPlugin(classes)],
        profiles=[profile],
        clock=clock,
        store=store,
    )
    policy = PollPolicy(
        blind_max=args.blind_max,
        jitter=args.jitter,
        approach=args.approach,
        reach=args.reach,
        stride=args.stride,
        pending_stretch=args.pending_stretch,
        overdue_share=args.overdue_share,
    )
    return hub, scripted, clock, policy


def run_tracker(
    jobs: list[tuple[str, str, BenchJob]],
    cell: Cell,
    args: argparse.Namespace,
    store: Any,
    *,
    phases: bool = False,
) -> dict[str, Any]:
    """One tracker run's figures; with ``phases``, also its requests per job by
    the phase of each job's life (the provider records every call: slower)."""
    hub, scripted, clock, policy = tracking_setup(jobs, args, store, record=phases)
    ends = {job_id: timeline.end for _, job_id, timeline in jobs}
    latency: dict[str, float] = {}

    def on_event(event: Event) -> None:
        if (
            event.kind is EventKind.STATUS_CHANGED
            and event.job is not None
            and event.job.is_terminal
        ):
            latency[event.job_id] = event.at.timestamp() - scripted.start - ends[event.job_id]

    tracker = Tracker(
        hub,
        workers=args.workers,
        on_event=on_event,
        policy=policy,
        rng=random.Random(args.seed),
        store=store,
    )
    tracker.extend(submitted(adapter, job_id, timeline, cell) for adapter, job_id, timeline in jobs)
    started, cpu = time.perf_counter(), time.thread_time()
    result = tracker.run()
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - started
    assert len(result.finished) == len(jobs), result
    values = sorted(latency.values())
    figures: dict[str, Any] = {
        "requests": scripted.count,
        "requests_per_job": round(scripted.count / len(jobs), 2),
        "latency_p50_s": round(percentile(values, 50), 3),
        "latency_p95_s": round(percentile(values, 95), 3),
        "latency_max_s": round(values[-1], 3),
        "simulated_seconds": round(clock.time() - scripted.start, 1),
        "wall_seconds": round(wall, 2),
        # everything the tracker's thread did per poll: scheduling, the scripted
        # answer, observe(), the policy, events, the store
        "client_cpu_per_poll_us": round(cpu / max(1, scripted.count) * 1e6, 1),
    }
    if phases:
        figures["polls_per_job_by_phase"] = polls_by_phase(jobs, scripted.calls, scripted.start)
    return figures
