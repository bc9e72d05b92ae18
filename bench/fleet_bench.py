"""Benchmark: the fleet's polls per second with 1, 2 and 4 worker processes.

A sandbox answers every request after 50 ms (a realistic provider latency);
each job wants a poll every 0.5 s (``poll_min = poll_max``), and there are
more jobs than the fleet can poll, so the polls per second measured are the
fleet's capacity. Each worker is a real ``jobadapter worker`` process
(8 threads) on Redis, with the store on a fresh PostgreSQL database. Beside
it, the in-process tracker (one process, a thread pool of the same total
size as the largest fleet) polls the same kind of jobs.

Lag: every 0.25 s the fleet's status gives the age of the oldest due job
nobody has claimed; we report the p95 of those samples, an upper bound on the
p95 lag between a job's due time and its poll.

Prints one JSON object; ``--quick`` for ``make bench QUICK=1``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from _common import emit, percentile, quick_parser

BROKER = os.environ.get("JOBADAPTER_BENCH_BROKER", "redis://127.0.0.1:6379/0")
LATENCY = 0.05
INTERVAL = 0.5
CONCURRENCY = 8


class Setup:
    """A sandbox (50 ms answers), a fresh PostgreSQL store and open jobs in it."""

    def __init__(self, root: Path, store_url: str, jobs: int) -> None:
        from jobadapter.cli.sandbox_cmd import profiles_toml, start_sandbox
        from jobadapter.config import profile_from_mapping
        from jobadapter.hub import Hub
        from jobadapter.sandbox import Faults
        from jobadapter.store import open_store

        self.root = root
        self.store_url = store_url
        self.store = open_store(store_url)
        self.hub = Hub(config=False, store=self.store)
        # Slow simulated time: jobs stay open for the whole measurement.
        self.server, self.simulators = start_sandbox(
            self.hub, faults=Faults(latency=LATENCY), speed=0.02
        )
        limits = {"poll_min": INTERVAL, "poll_max": INTERVAL, "max_in_flight": 64}
        profiles = {sim.name: {**sim.profile(), **limits} for sim in self.simulators}
        for name, table in profiles.items():
            self.hub.add_profile(profile_from_mapping(name, table, source="bench"))
        self.config = root / "profiles.toml"
        self.config.write_text(profiles_toml(profiles), encoding="utf-8")
        self.jobs = self._submit(jobs)

    def _submit(self, count: int) -> list[tuple[str, str, str]]:
        import attrs
        from jobadapter.errors import JobAdapterError

        offers = [(sim, demo) for sim in self.simulators for demo in sim.demo_requests()]
        made: list[tuple[str, str, str]] = []
        lock = threading.Lock()

        def submit(n: int) -> None:
            sim, demo = offers[n % len(offers)]
            request = demo.request
            if getattr(request, "cvid", None) is not None:
                cvid = str(4150868000000200000 + n)
                sim.add_view(cvid, records=60, failing=0)
                request = attrs.evolve(request, cvid=cvid)
            try:
                job = self.hub.submit(demo.adapter, request, profile=sim.name)
            except JobAdapterError:  # a simulator's own submission limit: one job fewer
                return
            with lock:
                made.append((job.adapter, job.id, sim.name))

        threads = [
            threading.Thread(target=lambda k=k: [submit(n) for n in range(k, count, 16)])
            for k in range(16)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return made

    def polls(self) -> int:
        return sum(1 for sim in self.simulators for r in sim.log.snapshot() if r.method == "GET")

    def close(self) -> None:
        self.server.stop()
        self.hub.close()
        self.store.close()


def run_fleet(setup: Setup, workers: int, window: float) -> dict[str, Any]:
    from jobadapter.fleet import FleetDB, FleetSchedule

    queue = f"jobadapter-bench-{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "JOBADAPTER_HOME": str(setup.root / "home")}
    procs = []
    for n in range(workers):
        cmd = [
            sys.executable,
            "-m",
            "jobadapter",
            "--config",
            str(setup.config),
            "--store",
            setup.store_url,
            "worker",
            "--broker",
            BROKER,
            "--queue",
            queue,
            "--concurrency",
            str(CONCURRENCY),
            "--name",
            f"bench-{workers}-{n}",
        ]
        log = (setup.root / f"worker-{workers}-{n}.log").open("wb")
        procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=log))
    schedule = FleetSchedule(FleetDB(setup.store_url))
    schedule.create()
    try:
        give_up = time.monotonic() + 90
        while len(schedule.status(now=time.time(), alive_within=10)["workers"]) < workers:
            if time.monotonic() > give_up:
                raise RuntimeError("workers did not start")
            time.sleep(0.3)
        time.sleep(3.0)  # warm up: connections, tokens, the first claims
        start_polls, start = setup.polls(), time.monotonic()
        lags = []
        while time.monotonic() - start < window:
            lags.append(schedule.status(now=time.time(), alive_within=10)["oldest_due_lag"])
            time.sleep(0.25)
        polls = setup.polls() - start_polls
        elapsed = time.monotonic() - start
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        schedule.db.close()
    return {
        "workers": workers,
        "polls_per_s": round(polls / elapsed, 1),
        "lag_p95_s": round(percentile(lags, 95), 3),
        "lag_max_s": round(max(lags), 3),
    }


def run_tracker(setup: Setup, window: float, threads: int) -> dict[str, Any]:
    from jobadapter.tracker import stop_on_signals  # noqa: F401 - same package as the fleet's

    tracker = setup.hub.tracker(workers=threads)
    tracker.resume()
    runner = threading.Thread(target=tracker.run)
    runner.start()
    time.sleep(3.0)
    start_polls, start = setup.polls(), time.monotonic()
    time.sleep(window)
    polls = setup.polls() - start_polls
    elapsed = time.monotonic() - start
    tracker.stop()
    runner.join(30)
    return {"threads": threads, "polls_per_s": round(polls / elapsed, 1)}


def main() -> None:
    parser = quick_parser(__doc__ or "")
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--window", type=float, default=15.0)
    args = parser.parse_args()
    jobs, window = (400, 4.0) if args.quick else (args.jobs, args.window)
    from jobadapter.testing.postgres import fresh_database

    figures: dict[str, Any] = {
        "bench": "fleet",
        "latency_s": LATENCY,
        "interval_s": INTERVAL,
        "jobs": jobs,
        "window_s": window,
        "offered_polls_per_s": jobs / INTERVAL,
        "note": "jobs_open is what the sandbox accepted; its own limits cap some profiles",
        "fleet": [],
    }
    with tempfile.TemporaryDirectory() as tmp:
        for workers in (1, 2, 4):
            with fresh_database(prefix="jobadapter_bench") as url:
                root = Path(tmp) / f"fleet{workers}"
                root.mkdir()
                setup = Setup(root, url, jobs)
                try:
                    figures["fleet"].append(run_fleet(setup, workers, window))
                finally:
                    setup.close()
        with fresh_database(prefix="jobadapter_bench") as url:
            root = Path(tmp) / "tracker"
            root.mkdir()
            setup = Setup(root, url, jobs)
            try:
                figures["tracker"] = run_tracker(setup, window, threads=4 * CONCURRENCY)
            finally:
                setup.close()
    one = figures["fleet"][0]["polls_per_s"]
    four = figures["fleet"][-1]["polls_per_s"]
    figures["speedup_4_vs_1"] = round(four / one, 2) if one else None
    emit(figures)


if __name__ == "__main__":
    main()
