"""What a watch ends with: the last Job of every job, and why each stopped."""

from __future__ import annotations

import attrs

from jobadapter.errors import JobAdapterError, WatchDeadline
from jobadapter.model import Job
from jobadapter.status import JobStatus

Key = tuple[str, str]


@attrs.define(eq=False)
class TrackResult:
    """The outcome of :meth:`Tracker.run` (and ``hub.track``).

    Every watched key ends in exactly one of: ``finished`` (terminal),
    ``deadlines`` (the watch deadline passed; the job goes on at the
    provider), ``errors`` (a permanent error, e.g. NotFound), ``pending``
    (the watch was stopped first). ``jobs`` holds the last Job seen of every
    key that was seen at all.
    """

    jobs: dict[Key, Job] = attrs.Factory(dict)
    deadlines: dict[Key, WatchDeadline] = attrs.Factory(dict)
    errors: dict[Key, Exception] = attrs.Factory(dict)
    pending: dict[Key, Job | None] = attrs.Factory(dict)
    #: True when ``stop()`` (or Ctrl-C) ended the watch.
    stopped: bool = False
    #: Status requests sent.
    polls: int = 0

    def __repr__(self) -> str:
        return (
            f"<TrackResult finished={len(self.finished)} deadlines={len(self.deadlines)} "
            f"errors={len(self.errors)} pending={len(self.pending)} polls={self.polls}"
            f"{' stopped' if self.stopped else ''}>"
        )

    @property
    def finished(self) -> dict[Key, Job]:
        """The jobs that reached a terminal status."""
        return {key: job for key, job in self.jobs.items() if job.is_terminal}

    @property
    def all_succeeded(self) -> bool:
        """Every job finished, and as SUCCEEDED (row failures are counts, not a status)."""
        return not (self.deadlines or self.errors or self.pending) and all(
            job.status is JobStatus.SUCCEEDED for job in self.jobs.values()
        )

    def outcome(self, key: Key) -> Job:
        """The terminal Job of ``key``, or raise what ended its watch instead
        (:class:`WatchDeadline`, the job's permanent error)."""
        if key in self.errors:
            raise self.errors[key]
        if key in self.deadlines:
            raise self.deadlines[key]
        job = self.jobs.get(key)
        if job is not None and job.is_terminal:
            return job
        raise WatchStopped(key, self.pending.get(key))


class WatchStopped(JobAdapterError):
    """The watch was stopped before the job finished; ``job`` is the last seen."""

    def __init__(self, key: Key, job: Job | None) -> None:
        self.key = key
        self.job = job
        seen = f"last seen {job.status.value}" if job is not None else "never seen"
        super().__init__(
            f"the watch of {key[0]} job {key[1]} was stopped ({seen}); watch it again to resume"
        )
