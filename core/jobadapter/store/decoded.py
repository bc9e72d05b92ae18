"""The last snapshot this process wrote or read per job, decoded, so the next
observation of the job does not parse it again.

Each entry is checked against the row read in the same transaction (the hash of
the stored snapshot text): a row another process or a rolled-back write changed
does not match and is parsed as before. Only snapshots that are the Job exactly
(nothing masked) are kept. Bounded: the oldest entries go first, and a job
that reached a terminal status is dropped.
"""

from __future__ import annotations

import threading

from jobadapter.model import Job
from jobadapter.serialize import loads

#: At most this many jobs are kept decoded (about 150 bytes each besides the
#: Job, which the tracker holds anyway).
CAPACITY = 16384


class DecodedSnapshots:
    """Snapshot text hash -> Job, per job key; safe to share between threads."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._entries: dict[tuple[str, str], tuple[int, Job]] = {}
        self._lock = threading.Lock()

    def decode(self, key: tuple[str, str], text: str) -> Job:
        """The Job ``text`` (the stored snapshot of ``key``) holds."""
        found = self._entries.get(key)
        if found is not None and found[0] == hash(text):
            return found[1]
        return loads(text)

    def keep(self, key: tuple[str, str], text: str, job: Job) -> None:
        """``job`` is what ``text``, now stored for ``key``, decodes to."""
        with self._lock:
            entries = self._entries
            if job.is_terminal:
                entries.pop(key, None)
                return
            if key not in entries and len(entries) >= self._capacity:
                del entries[next(iter(entries))]
            entries[key] = (hash(text), job)
