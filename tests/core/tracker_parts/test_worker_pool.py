"""The tracker's worker pool: runs work on threads, refuses it after shutdown."""

from __future__ import annotations

import threading

import pytest
from jobadapter.tracker.pool import WorkerPool


def test_worker_pool_runs_work_and_drops_it_after_shutdown() -> None:
    done: list[tuple[int, int]] = []
    finished = threading.Event()

    def record(item: int, outcome: int) -> None:
        done.append((item, outcome))
        if len(done) == 3:
            finished.set()

    pool: WorkerPool[int, int] = WorkerPool(2, lambda n: n * n, record)
    for n in (1, 2, 3):
        pool.submit(n)
    assert finished.wait(5)
    assert sorted(done) == [(1, 1), (2, 4), (3, 9)]
    pool.shutdown(wait=5)
    with pytest.raises(RuntimeError):
        pool.submit(4)
    with pytest.raises(ValueError):
        WorkerPool(0, lambda n: n, record)
