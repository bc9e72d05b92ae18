"""A small pool of daemon worker threads for the tracker's polls.

Not :class:`concurrent.futures.ThreadPoolExecutor`: its threads are joined
at interpreter exit, so one request hung on a dead provider would hold a
Ctrl-C'd program open. These threads are daemons, and an abandoned pool
drops the work it has not started.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class WorkerPool(Generic[T, R]):
    """Runs ``work(item)`` on ``size`` threads; each outcome goes to ``done(item, outcome)``.

    ``work`` must not raise (the tracker's returns the exception instead);
    ``done`` is called on the worker thread and should only hand the outcome
    over (the tracker puts it on a queue its scheduler reads).
    """

    def __init__(
        self,
        size: int,
        work: Callable[[T], R],
        done: Callable[[T, R], None],
        *,
        name: str = "jobadapter-tracker",
    ) -> None:
        if size < 1:
            raise ValueError(f"a worker pool needs at least one thread, got {size}")
        self._work = work
        self._done = done
        self._tasks: queue.SimpleQueue[T | None] = queue.SimpleQueue()
        self._abandoned = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"{name}-{n}", daemon=True) for n in range(size)
        ]
        for thread in self._threads:
            thread.start()

    def __repr__(self) -> str:
        return f"<WorkerPool {len(self._threads)} threads>"

    @property
    def size(self) -> int:
        return len(self._threads)

    def submit(self, item: T) -> None:
        if self._abandoned.is_set():
            raise RuntimeError("the worker pool was shut down")
        self._tasks.put(item)

    def _run(self) -> None:
        while True:
            item = self._tasks.get()
            if item is None or self._abandoned.is_set():
                return
            outcome = self._work(item)
            if not self._abandoned.is_set():
                self._done(item, outcome)

    def shutdown(self, *, wait: float = 0.0) -> None:
        """Stop the threads: work not yet started is dropped, running work is
        left to finish on its own (its outcome is discarded). ``wait``: seconds
        to wait for the threads to exit."""
        self._abandoned.set()
        for _ in self._threads:
            self._tasks.put(None)
        if wait > 0:
            for thread in self._threads:
                thread.join(wait)
