"""A real fleet for the tests: a sandbox, a shared store, worker processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import attrs
from jobadapter.cli.sandbox_cmd import profiles_toml, start_sandbox
from jobadapter.config import profile_from_mapping
from jobadapter.hub import Hub
from jobadapter.store import open_store


class Fleet:
    """A sandbox, a store and the worker processes started on them."""

    def __init__(self, root: Path, broker: str, store_url: str, *, speed: float) -> None:
        self.root = root
        self.broker = broker
        self.queue = f"jobadapter-test-{uuid.uuid4().hex[:12]}"
        self.store_url = store_url
        self.store = open_store(store_url)
        self.hub = Hub(config=False, store=self.store, load_entrypoints=True)
        self.server, self.simulators = start_sandbox(self.hub, speed=speed)
        profiles = {sim.name: sim.profile() for sim in self.simulators}
        for name, table in profiles.items():
            self.hub.add_profile(profile_from_mapping(name, table, source="sandbox"))
        self.config = root / "profiles.toml"
        self.config.write_text(profiles_toml(profiles), encoding="utf-8")
        self.workers: list[subprocess.Popen[bytes]] = []

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
        jobs = []
        for n in range(count):
            sim, demo = offers[n % len(offers)]
            profile, request = sim.name, demo.request
            if getattr(request, "cvid", None) is not None:
                # Zoho runs one mass update per custom view at a time: one view per job.
                cvid = str(4150868000000100000 + n)
                sim.add_view(cvid, records=60, failing=n % 3)
                request = attrs.evolve(request, cvid=cvid)
            job = self.hub.submit(demo.adapter, request, profile=profile)
            jobs.append((job.adapter, job.id, profile))
        return jobs

    def wait_until_settled(self, count: int, timeout: float) -> None:
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if not self.store.jobs(open_only=True) and len(self.store.jobs()) >= count:
                return
            time.sleep(0.2)
        open_jobs = [(s.job.key, s.job.status.value) for s in self.store.jobs(open_only=True)]
        raise AssertionError(f"{len(open_jobs)} jobs still open: {open_jobs[:5]}")

    def wait_for_workers(self, count: int, timeout: float = 60.0) -> None:
        """Until ``count`` workers are listed live (a loaded machine starts them slowly)."""
        give_up = time.monotonic() + timeout
        while len(self.fleet_status()["workers"]) < count:
            dead = [p.args for p in self.workers if p.poll() is not None]
            assert not dead, f"a worker exited: see {self.root}/worker-*.log"
            assert time.monotonic() < give_up, f"{count} workers did not start in {timeout}s"
            time.sleep(0.3)

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
