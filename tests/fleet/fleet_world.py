"""A real fleet for the tests: a sandbox, a shared store, worker processes."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import attrs
from jobadapter.cli.sandbox_cmd import profiles_toml, start_sandbox
from jobadapter.config import profile_from_mapping
from jobadapter.errors import RateLimited
from jobadapter.fleet import FleetDB, FleetTokens
from jobadapter.hub import Hub
from jobadapter.store import open_store
from jobadapter.store.urls import store_kind

#: The machine's brokers; each test uses its own random queue on them.
BROKERS = {
    "redis": "redis://127.0.0.1:6379/0",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}


@attrs.frozen
class Request:
    """One request a simulator handled (its path with the query), with real start and end times."""

    profile: str
    method: str
    path: str
    start: float
    end: float
    #: The HTTP status answered (0: the simulator raised).
    status: int = 0


class SandboxLog:
    """The sandbox's own record of when each request ran (with a small latency
    added in the simulator, so two polls of one job at once would overlap)."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self._lock = threading.Lock()
        self.requests: list[Request] = []

    def watch(self, sim: Any) -> None:
        handle = sim.dispatch

        def dispatch(request: Any) -> Any:
            start = time.monotonic()
            time.sleep(self.latency)
            status = 0
            try:
                response = handle(request)
                status = int(getattr(response, "status_code", 0))
                return response
            finally:
                query = request.query_string.decode("latin-1")
                where = f"{request.path}?{query}" if query else request.path  # Zoho's job id
                done = Request(sim.name, request.method, where, start, time.monotonic(), status)
                with self._lock:
                    self.requests.append(done)

        sim.dispatch = dispatch

    def snapshot(self) -> list[Request]:
        with self._lock:
            return list(self.requests)


def overlapping_polls(requests: list[Request]) -> list[tuple[Request, Request]]:
    """Pairs of status polls of one job that ran at the same time."""
    by_job: dict[tuple[str, str], list[Request]] = {}
    for r in requests:
        if r.method == "GET":
            by_job.setdefault((r.profile, r.path), []).append(r)
    pairs = []
    for polls in by_job.values():
        polls.sort(key=lambda r: r.start)
        pairs += [(a, b) for a, b in itertools.pairwise(polls) if b.start < a.end]
    return pairs


def is_token_request(r: Request) -> bool:
    return r.path.split("?")[0].endswith("/token")


def token_requests(requests: list[Request], profile: str) -> list[Request]:
    """The requests for an access token of ``profile`` (the fleet shares one)."""
    return [r for r in requests if r.profile == profile and is_token_request(r)]


def worker_requests(requests: list[Request], profile: str) -> list[Request]:
    """The requests of ``profile`` a worker sends: status polls and the token requests
    they trigger (the submitting program's creates and uploads are not a worker's)."""
    return [
        r for r in requests if r.profile == profile and (r.method == "GET" or is_token_request(r))
    ]


def peak_in_flight(requests: list[Request], profile: str) -> int:
    """The most worker requests of ``profile`` the sandbox was answering at once."""
    edges = []
    for r in worker_requests(requests, profile):
        edges += [(r.start, 1), (r.end, -1)]
    peak = level = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        level += step
        peak = max(peak, level)
    return peak


def crowd_at_peak(requests: list[Request], profile: str) -> list[Request]:
    """The worker requests of ``profile`` running together at its peak (to say what
    overlapped when a check fails: quadratic, so only then)."""
    mine = worker_requests(requests, profile)
    best: list[Request] = []
    for r in mine:
        crowd = [o for o in mine if o.start <= r.start < o.end]
        if len(crowd) > len(best):
            best = crowd
    return best


def busiest_second(requests: list[Request], profile: str) -> int:
    """The most status polls of ``profile`` that started within one second."""
    starts = sorted(r.start for r in requests if r.profile == profile and r.method == "GET")
    best = 0
    low = 0
    for high, at in enumerate(starts):
        while starts[low] < at - 1.0:
            low += 1
        best = max(best, high - low + 1)
    return best


class Fleet:
    """A sandbox, a store and the worker processes started on them."""

    def __init__(
        self,
        root: Path,
        broker: str,
        store_url: str,
        *,
        speed: float,
        limits: dict[str, Any] | None = None,
        latency: float = 0.0,
    ) -> None:
        self.root = root
        self.speed = speed
        self.broker = broker
        self.queue = f"jobadapter-test-{uuid.uuid4().hex[:12]}"
        self.store_url = store_url
        #: e.g. "redis-sqlite": which broker and store this fleet runs on.
        self.label = f"{broker.split(':')[0]}-{store_kind(store_url)}"
        self.store = open_store(store_url)
        self.hub = Hub(config=False, store=self.store, load_entrypoints=True)
        self.server, self.simulators = start_sandbox(self.hub, speed=speed)
        self.log = SandboxLog(latency)
        for sim in self.simulators:
            self.log.watch(sim)
        profiles = {sim.name: {**sim.profile(), **(limits or {})} for sim in self.simulators}
        for name, table in profiles.items():
            self.hub.add_profile(profile_from_mapping(name, table, source="sandbox"))
        self.config = root / "profiles.toml"
        self.config.write_text(profiles_toml(profiles), encoding="utf-8")
        self.workers: list[subprocess.Popen[bytes]] = []
        self.killed: list[subprocess.Popen[bytes]] = []

    def command(self, *args: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "jobadapter",
            "--config",
            str(self.config),
            "--store",
            self.store_url,
            *args,
        ]

    def env(self) -> dict[str, str]:
        return {**os.environ, "JOBADAPTER_HOME": str(self.root / "home")}

    def start_worker(self, **options: Any) -> subprocess.Popen[bytes]:
        args = ["worker", "--broker", self.broker, "--queue", self.queue]
        for key, value in {"concurrency": 4, "lease": 4.0, **options}.items():
            args += [f"--{key}", str(value)]
        log = (self.root / f"worker-{len(self.workers)}.log").open("wb")
        proc = subprocess.Popen(self.command(*args), env=self.env(), stdout=log, stderr=log)
        self.workers.append(proc)
        return proc

    def submit_all(self, count: int) -> list[tuple[str, str, str]]:
        """``count`` jobs across every simulator's demo requests, through hub.submit."""
        offers = [(sim, demo) for sim in self.simulators for demo in sim.demo_requests()]
        # The submitting program uses the fleet's token too (one per profile in all).
        tokens = FleetTokens(FleetDB(self.store_url))
        tokens.create()
        for sim, demo in offers:
            creds = self.hub.connection(demo.adapter, sim.name).credentials
            share = getattr(creds, "share_tokens", None)
            if share is not None:
                share(tokens.for_profile(self.hub.connection(demo.adapter, sim.name).profile))
        jobs = []
        for n in range(count):
            sim, demo = offers[n % len(offers)]
            profile, request = sim.name, demo.request
            if getattr(request, "cvid", None) is not None:
                # Zoho runs one mass update per custom view at a time: one view per job.
                cvid = str(4150868000000100000 + n)
                sim.add_view(cvid, records=60, failing=n % 3)
                request = attrs.evolve(request, cvid=cvid)
            job = self._submit(demo.adapter, request, profile)
            jobs.append((job.adapter, job.id, profile))
        return jobs

    def _submit(self, adapter: str, request: Any, profile: str) -> Any:
        """hub.submit, waiting out a provider's 429 as a platform would. The sandbox
        refuses over its request window before creating anything, so a resubmit
        never duplicates a job (check_outcomes would see one); the real Zoho does not
        document that, so jobadapter itself does not resend such a create."""
        for _ in range(30):
            try:
                return self.hub.submit(adapter, request, profile=profile)
            except RateLimited as exc:
                time.sleep(min(exc.retry_after or 1.0, 5.0) / self.speed)
        return self.hub.submit(adapter, request, profile=profile)

    def wait_until_settled(self, count: int, timeout: float) -> None:
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if not self.store.jobs(open_only=True) and len(self.store.jobs()) >= count:
                return
            time.sleep(0.2)
        open_jobs = [(s.job.key, s.job.status.value) for s in self.store.jobs(open_only=True)]
        raise AssertionError(f"{len(open_jobs)} jobs still open: {open_jobs[:5]}")

    def kill_worker(self, rng: random.Random) -> None:
        """SIGKILL one running worker chosen at random (no clean shutdown at all)."""
        alive = [p for p in self.workers if p.poll() is None]
        victim = rng.choice(alive)
        victim.kill()
        victim.wait()
        self.killed.append(victim)

    def wait_for_workers(self, count: int, timeout: float = 60.0) -> None:
        """Until ``count`` workers are listed live (a loaded machine starts them slowly)."""
        give_up = time.monotonic() + timeout
        while len(self.fleet_status()["workers"]) < count:
            dead = [p.args for p in self.workers if p.poll() is not None and p not in self.killed]
            assert not dead, f"a worker exited: see {self.root}/worker-*.log"
            assert time.monotonic() < give_up, f"{count} workers did not start in {timeout}s"
            time.sleep(0.3)

    def outcomes(self, jobs: list[tuple[str, str, str]]) -> dict[str, list[str]]:
        """The jobs that did not end with the terminal status the sandbox gave them
        (``lost``), and those with a transition recorded twice (``duplicated``)."""
        lost, duplicated = [], []
        for adapter, job_id, profile in jobs:
            stored = self.store.get(adapter, job_id)
            truth = self.hub.get(adapter, job_id, profile=profile).status
            if stored is None or not stored.is_terminal or stored.status is not truth:
                lost.append(job_id)
            statuses = [t.new_status for t in self.store.transitions(adapter, job_id)]
            if len(statuses) != len(set(statuses)):
                duplicated.append(job_id)
        return {"lost": lost, "duplicated": duplicated}

    def check_outcomes(self, jobs: list[tuple[str, str, str]]) -> None:
        """Every job ended with the terminal status the sandbox gave it, each
        transition recorded once (0 lost, 0 duplicated)."""
        found = self.outcomes(jobs)
        assert found == {"lost": [], "duplicated": []}, found

    def fleet_status(self) -> Any:
        out = subprocess.run(
            self.command("fleet", "--json"), env=self.env(), capture_output=True, check=True
        )
        return json.loads(out.stdout)

    def stop(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.server.stop()
        self.hub.close()
        self.store.close()
        self._purge()

    def _purge(self) -> None:
        from kombu import Connection

        try:
            with Connection(self.broker, connect_timeout=3) as conn:
                conn.default_channel.queue_delete(self.queue)
        except Exception:  # noqa: BLE001 - a queue already gone is fine
            pass
