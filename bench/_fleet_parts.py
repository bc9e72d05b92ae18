"""The fleet bench's parts: the sandbox and its tenants, the processes under
test, and the meters (CPU from /proc, each poll's lag from the workers).

A worker under test is ``jobadapter worker`` itself, started through
:func:`child_worker`, which only adds one thing to the command: on its way
out it writes each poll's lag (due time -> poll start, kept by the poller) to
a file. The in-process tracker runs in its own process too, so each side's
CPU is read the same way, from /proc, and the sandbox's is this process's.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

#: Every request is answered after this long (a realistic provider latency).
LATENCY = 0.05
#: Each job wants a poll this often (poll_min = poll_max): offered load = jobs / INTERVAL.
INTERVAL = 1.0
#: Profiles (tenants) per simulator: each its own token, limits and budget rows.
TENANTS = 4
#: Threads per worker process, and jobs per Celery task.
CONCURRENCY = 8
BATCH = 10
TICK = os.sysconf("SC_CLK_TCK")


def unlimit(sim: Any) -> None:
    """Lift a simulator's own request limits (Zoho's 100 per window, Zuora's
    per-window budget): the bench measures the fleet, not the sandbox's 429s."""
    rate = getattr(sim, "rate", None)
    if rate is not None and hasattr(rate, "limit"):
        rate.limit = None
    if hasattr(sim, "rate_limit"):
        sim.rate_limit = 10**9


class Setup:
    """A sandbox (``latency`` per answer, served by a thread per connection), a fresh
    PostgreSQL store and ``jobs`` open jobs in it across every simulator and
    ``TENANTS`` profiles each; profiles have no rate limit and 64 in flight."""

    def __init__(self, root: Path, store_url: str, jobs: int, latency: float = LATENCY) -> None:
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
            self.hub, faults=Faults(latency=latency), speed=0.02
        )
        for sim in self.simulators:
            unlimit(sim)
        limits = {"poll_min": INTERVAL, "poll_max": INTERVAL, "max_in_flight": 64}
        profiles = {
            f"{sim.name}-t{k}": {**sim.profile(), **limits}
            for sim in self.simulators
            for k in range(TENANTS)
        }
        for name, table in profiles.items():
            self.hub.add_profile(profile_from_mapping(name, table, source="bench"))
        self.config = root / "profiles.toml"
        self.config.write_text(profiles_toml(profiles), encoding="utf-8")
        self.env = {**os.environ, "JOBADAPTER_HOME": str(root / "home")}
        self.jobs = self._fill(jobs)

    def open_jobs(self) -> int:
        """Jobs the store holds open: what the fleet and the tracker poll."""
        return len(self.store.jobs(open_only=True))

    def _fill(self, wanted: int) -> int:
        """Submit until ``wanted`` jobs are open: the custom object simulator answers
        a job over Zuora's five-job limit as failed at once (as Zuora does), and a
        job that never opens is no load (it made the offered load ~20 % too high)."""
        submitted = 0
        for _ in range(10):
            missing = wanted - self.open_jobs()
            if missing <= 0:
                break
            self._submit(submitted, missing)
            submitted += missing
        return self.open_jobs()

    def _submit(self, first: int, count: int) -> int:
        import attrs
        from jobadapter.errors import JobAdapterError

        offers = [(sim, demo) for sim in self.simulators for demo in sim.demo_requests()]
        made = [0]
        lock = threading.Lock()

        def submit(n: int) -> None:
            sim, demo = offers[n % len(offers)]
            request = demo.request
            if getattr(request, "cvid", None) is not None:
                cvid = str(4150868000000200000 + n)
                sim.add_view(cvid, records=60, failing=0)
                request = attrs.evolve(request, cvid=cvid)
            tenant = f"{sim.name}-t{(n // len(offers)) % TENANTS}"
            try:
                self.hub.submit(demo.adapter, request, profile=tenant)
            except JobAdapterError:  # a simulator's own submission limit: one job fewer
                return
            with lock:
                made[0] += 1

        threads = [
            threading.Thread(
                target=lambda k=k: [submit(n) for n in range(first + k, first + count, 16)]
            )
            for k in range(16)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return made[0]

    def polls(self) -> int:
        """Status requests the sandbox has answered (every GET is a poll)."""
        return sum(1 for sim in self.simulators for r in sim.log.snapshot() if r.method == "GET")

    def close(self) -> None:
        self.server.stop()
        self.hub.close()
        self.store.close()


def spread_schedule(db: Any) -> None:
    """Every open job due once within the next interval, no leases held: each
    run starts from the same even offered load, not the last run's backlog."""
    now = time.time()

    def work(cur: Any) -> None:
        cur.execute("SELECT adapter, job_id FROM fleet_schedule WHERE ended = 0")
        rows = [(now + random.random() * INTERVAL, a, j) for a, j in cur.fetchall()]
        db.executemany(
            cur,
            "UPDATE fleet_schedule SET due = ?, lease = NULL, lease_until = NULL "
            "WHERE adapter = ? AND job_id = ?",
            rows,
        )
        cur.execute("DELETE FROM fleet_in_flight")

    db.run(work)


# -- meters ------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def database_pids(db: Any) -> list[int]:
    """The PostgreSQL server processes serving this database (every client's)."""

    def work(cur: Any) -> list[int]:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [int(r[0]) for r in cur.fetchall()]

    pids: list[int] = db.run(work)
    return pids


def cpu_of(pids: list[int]) -> dict[int, float]:
    """CPU seconds so far of each process still running."""
    out = {}
    for pid in pids:
        try:
            out[pid] = cpu_seconds(pid)
        except (OSError, IndexError, ValueError):
            continue
    return out


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU ticks of the whole machine so far (every session's work)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


# -- the processes under test ----------------------------------------------------------------


def start_worker(
    setup: Setup,
    broker: str,
    queue: str,
    name: str,
    batch: int = BATCH,
    threads: int = CONCURRENCY,
) -> tuple[Any, Path]:
    lags = setup.root / f"{name}.lags.json"
    cmd = [
        sys.executable,
        __file__,
        "worker",
        str(lags),
        "--config",
        str(setup.config),
        "--store",
        setup.store_url,
        "worker",
        "--broker",
        broker,
        "--queue",
        queue,
        "--concurrency",
        str(threads),
        "--batch",
        str(batch),
        "--name",
        name,
    ]
    log = (setup.root / f"{name}.log").open("wb")
    return subprocess.Popen(cmd, env=setup.env, stdout=log, stderr=log), lags


def start_tracker(setup: Setup, threads: int) -> Any:
    cmd = [sys.executable, __file__, "tracker", str(setup.config), setup.store_url, str(threads)]
    log = (setup.root / "tracker.log").open("wb")
    return subprocess.Popen(cmd, env=setup.env, stdout=log, stderr=log)


def stop(procs: list[Any]) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def child_worker(lags_file: str, cli_args: list[str]) -> None:
    """``jobadapter worker`` as is, writing its polls' lags to ``lags_file`` at exit."""
    import jobadapter.fleet.app as fleet_app
    from jobadapter.cli import main

    run = fleet_app.run_worker

    def run_and_keep_lags(app: Any, worker: Any, **options: Any) -> None:
        try:
            run(app, worker, **options)
        finally:
            Path(lags_file).write_text(json.dumps(list(worker.poller.lags)))

    fleet_app.run_worker = run_and_keep_lags
    main(cli_args)


def child_tracker(config: str, store_url: str, threads: int) -> None:
    """The in-process tracker on every open job of the store, until SIGTERM."""
    from jobadapter.hub import Hub
    from jobadapter.store import open_store
    from jobadapter.tracker import stop_on_signals

    store = open_store(store_url)
    hub = Hub(config=config, store=store)
    tracker = hub.tracker(workers=threads)
    tracker.resume()
    with stop_on_signals(tracker):
        tracker.run()
    hub.close()
    store.close()


if __name__ == "__main__":
    if sys.argv[1] == "worker":
        child_worker(sys.argv[2], sys.argv[3:])
    else:
        child_tracker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
