"""Group commit: observations that record nothing new share one transaction.

A commit is most of what an observation costs on SQLite (the WAL pages of the
job row and its indexes written again, 20-25 µs of the caller's CPU), and
most observations only move counters or say nothing new. Those may stay
uncommitted for a short while and be committed together; an observation
that records a transition or an anomaly, and every other write, commits at
once and takes the waiting ones with it, in order, in one atomic commit.

What a SIGKILL can lose: at most ``size`` observations or ``wait`` seconds of
them, none of which records a transition or an anomaly: the job's row keeps
the previous counters and last-seen time, which the next poll reads again
from the provider. The database itself stays consistent (a transaction is
all or nothing).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable

#: Defaults: observations per commit, and the longest one waits uncommitted.
GROUP_SIZE = 64
GROUP_WAIT = 0.1


class GroupCommit:
    """How many writes wait uncommitted, and when they are due.

    ``flush`` commits them; a ticker thread (one per store, started by the first
    waiting write) sleeps until the waiting group is due and calls it when the
    group has waited ``wait`` seconds with no other write to take it along, so
    nothing waits longer than ``wait`` (and the thread's wake-up) even when
    writes stop. After a fork the child's store starts it afresh (:meth:`start_afresh`).
    """

    def __init__(self, size: int, wait: float, flush: Callable[[], None]) -> None:
        if size < 1 or wait <= 0:
            raise ValueError(
                f"group commit needs size >= 1 and wait > 0 (got {size}, {wait}); "
                "size 1 commits every write"
            )
        self.size = size
        self.wait = wait
        # Weak, so a store nobody closed can still be collected (the ticker then ends).
        self._flush = weakref.WeakMethod(flush)
        self.pending = 0
        #: Groups the ticker committed: their commit ran on its thread, so a bench
        #: timing the caller's thread must count them (benches print it).
        self.timer_commits = 0
        self._since = 0.0
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def enabled(self) -> bool:
        return self.size > 1

    def hold(self) -> bool:
        """Count one more uncommitted write; True when the group is due now."""
        now = time.monotonic()
        if self.pending == 0:
            self._since = now
            if self._ticker is None:
                self._ticker = threading.Thread(
                    target=self._tick, name="jobadapter-group-commit", daemon=True
                )
                self._ticker.start()
        self.pending += 1
        return self.pending >= self.size or now - self._since >= self.wait

    def _tick(self) -> None:
        stop, nap = self._stop, self.wait
        while not stop.wait(nap):
            flush = self._flush()
            if flush is None:
                return
            left = self._since + self.wait - time.monotonic()
            if self.pending and left <= 0:
                self.timer_commits += 1
                flush()
            del flush
            # Asleep until the waiting group is due (a group that starts meanwhile
            # is due later than that), or one ``wait`` when none waits.
            nap = left if self.pending and left > 0 else self.wait

    def committed(self) -> None:
        """Nothing waits any more (the group was committed, or rolled back whole)."""
        self.pending = 0

    def stop(self) -> None:
        """End the ticker (the store is closing; it commits what waits itself)."""
        self._stop.set()

    def start_afresh(self) -> None:
        """In a forked child (its store calls this): the parent's group and ticker
        are the parent's; the child's next waiting write starts its own."""
        self.pending = 0
        self._ticker = None
        self._stop = threading.Event()
