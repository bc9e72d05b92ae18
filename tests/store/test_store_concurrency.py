"""Threads and processes writing one store at once lose nothing and move no job twice."""

from __future__ import annotations

import multiprocessing
import threading
from typing import Any

from jobadapter.store import open_store
from store_backends import Backend
from store_jobs import P, R, S, at, job


def test_threads_share_one_store(backend: Backend) -> None:
    with backend.open() as s:

        def work(n: int) -> None:
            for i in range(40):
                for status in (P, R, S):
                    s.observe(job(status, id=f"t{n}-{i}"), observed_at=at(i))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(s.jobs(status=S)) == 160
        assert all(len(s.transitions("zuora.mass_updater", f"t{n}-7")) == 3 for n in range(4))


def test_threads_racing_on_the_same_new_jobs_insert_each_once(backend: Backend) -> None:
    with backend.open() as s:
        gate = threading.Barrier(4)
        failures: list[BaseException] = []

        def work() -> None:
            gate.wait()
            try:
                for status in (P, R, S):
                    for i in range(25):
                        s.observe(job(status, id=f"same-{i}"))
            except BaseException as exc:  # noqa: BLE001  (asserted below)
                failures.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert len(s.jobs()) == 25 and len(s.jobs(status=S)) == 25
        order = [P, R, S]
        for i in range(25):
            moves = s.transitions("zuora.mass_updater", f"same-{i}")
            assert [t.old_status for t in moves].count(None) == 1
            statuses = [t.new_status for t in moves]
            assert statuses == sorted(set(statuses), key=order.index)  # forward, never twice


OWN = 120
SHARED = 30


def _writer(url: str, name: str, barrier: Any) -> None:
    """One process: its own jobs and the shared ones, through the whole life cycle."""
    barrier.wait()  # both open (and migrate) the new store at once, then write at once
    with open_store(url, timeout=60) as s:
        for status in (P, R, S):
            for i in range(max(OWN, SHARED)):
                if i < OWN:
                    s.observe(job(status, id=f"{name}-{i}"), profile=name)
                if i < SHARED:
                    s.observe(job(status, id=f"shared-{i}"))


def test_two_processes_writing_at_once_lose_nothing(backend: Backend) -> None:
    """Both create the schema, then write interleaved: no lost rows, no duplicate moves."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(backend.url, n, barrier)) for n in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]

    with backend.open() as s:
        (transitions,) = s._read(  # type: ignore[attr-defined]
            lambda conn: conn.execute("SELECT COUNT(*) FROM transitions").fetchone()
        )
        assert transitions == 3 * (2 * OWN + SHARED)
        assert len(s.jobs(status=S)) == 2 * OWN + SHARED
        for key in ("a-0", f"b-{OWN - 1}", "shared-0", f"shared-{SHARED - 1}"):
            path = [(t.old_status, t.new_status) for t in s.transitions("zuora.mass_updater", key)]
            assert path == [(None, P), (P, R), (R, S)], key
        # The late process may see stale answers on shared jobs: anomalies, never regressions.
        assert all(a.anomaly.job_id.startswith("shared-") for a in s.anomalies())
