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
from collections.abc import Callable

#: Defaults: observations per commit, and the longest one waits uncommitted.
GROUP_SIZE = 64
GROUP_WAIT = 0.1


class GroupCommit:
    """How many writes wait uncommitted, and when they are due.

    ``flush`` commits them; it is called from a timer thread when ``wait``
    seconds pass with no other write to take them along.
    """

    def __init__(self, size: int, wait: float, flush: Callable[[], None]) -> None:
        if size < 1 or wait < 0:
            raise ValueError(
                f"group commit needs size >= 1 and wait >= 0 (got {size}, {wait}); "
                "size 1 commits every write"
            )
        self.size = size
        self.wait = wait
        self._flush = flush
        self.pending = 0
        #: Groups the timer committed: their commit ran on the timer's thread, so a
        #: bench timing the caller's thread must count them (benches print it).
        self.timer_commits = 0
        self._since = 0.0
        self._timer: threading.Timer | None = None

    @property
    def enabled(self) -> bool:
        return self.size > 1

    def hold(self) -> bool:
        """Count one more uncommitted write; True when the group is due now."""
        if self.pending == 0:
            self._since = time.monotonic()
            timer = threading.Timer(self.wait, self._on_timer)
            timer.daemon = True
            timer.start()
            self._timer = timer
        self.pending += 1
        return self.pending >= self.size or time.monotonic() - self._since >= self.wait

    def _on_timer(self) -> None:
        if self.pending:
            self.timer_commits += 1
            self._flush()

    def committed(self) -> None:
        """Nothing waits any more (the group was committed, or rolled back whole)."""
        self.pending = 0
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
