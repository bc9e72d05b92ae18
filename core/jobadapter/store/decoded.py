"""The last snapshot this process wrote or read per job, decoded, so the next
observation of the job does not parse it again.

Each entry is checked against the row read in the same transaction (the stored
snapshot text itself): a row another process or a rolled-back write changed does
not match and is parsed as before. Only snapshots that are the Job exactly
(nothing masked) are kept. An entry is the store's own Job, never one a caller
holds or was handed: a caller that changes its answer dict in place after an
observation must not change what the store believes it wrote. Bounded: the
oldest entries go first, and a job that reached a terminal status is dropped.
"""

from __future__ import annotations

import pickle
import threading

import attrs

from jobadapter.model import Job
from jobadapter.serialize import loads

#: At most this many jobs are kept decoded (about 150 bytes each besides the
#: Job, which the tracker holds anyway).
CAPACITY = 16384

#: Raw answers of these types cannot change in place, so they need no copy.
_IMMUTABLE = (type(None), str, bytes, int, float, bool)


#: Every field of a Job but ``raw``, in order.
_FIELDS = tuple(field.name for field in attrs.fields(Job) if field.name != "raw")
_set = object.__setattr__


def _with_raw(job: Job, raw: object) -> Job:
    """``attrs.evolve(job, raw=raw)`` without running the converters again on values
    that passed them already (twice as fast, once per changed observation)."""
    copy = object.__new__(Job)
    for name in _FIELDS:
        _set(copy, name, getattr(job, name))
    _set(copy, "raw", raw)
    return copy


class DecodedSnapshots:
    """Snapshot text -> the store's own Job, per job key; safe to share between threads."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._entries: dict[tuple[str, str], tuple[str, Job]] = {}
        self._lock = threading.Lock()

    def decode(self, key: tuple[str, str], text: str) -> Job:
        """The Job ``text`` (the stored snapshot of ``key``) holds.

        The Job may be the store's own: hand a caller an equal one, never this.
        """
        found = self._entries.get(key)
        if found is not None and found[0] == text:
            return found[1]
        return loads(text)

    def peek(self, key: tuple[str, str]) -> tuple[str, Job] | None:
        """The snapshot text last kept for ``key`` and its Job (the store's own: compare
        with it, never hand it out), unchecked against the database."""
        return self._entries.get(key)

    def keep(self, key: tuple[str, str], text: str, job: Job) -> None:
        """``job``, which a caller may still hold, is what ``text``, now stored for ``key``, holds."""
        raw = job.raw
        if not isinstance(raw, _IMMUTABLE):
            try:
                raw = pickle.loads(pickle.dumps(raw, pickle.HIGHEST_PROTOCOL))  # noqa: S301 (our own bytes)
            except Exception:  # noqa: BLE001 (an answer that cannot be copied is parsed next time)
                self.forget(key)
                return
            job = _with_raw(job, raw)
        self.keep_decoded(key, text, job)

    def keep_decoded(self, key: tuple[str, str], text: str, job: Job) -> None:
        """Like :meth:`keep` for a Job no caller holds (one :meth:`decode` returned)."""
        with self._lock:
            entries = self._entries
            if job.is_terminal:
                entries.pop(key, None)
                return
            if key not in entries and len(entries) >= self._capacity:
                del entries[next(iter(entries))]
            entries[key] = (text, job)

    def forget(self, key: tuple[str, str]) -> None:
        """Parse ``key``'s snapshot next time (what is stored is not a Job kept here)."""
        with self._lock:
            self._entries.pop(key, None)
