"""What the tracker needs from a store (structural: any store with these works).

Defined here, not imported from ``jobadapter.store``, so the tracker works
with any implementation: :class:`jobadapter.store.SqliteStore`, a server
database, a test double.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Protocol

from jobadapter.model import Job
from jobadapter.observe import Observation


class StoredJobLike(Protocol):
    """One open job as the store keeps it."""

    @property
    def job(self) -> Job: ...

    @property
    def profile(self) -> str | None: ...

    @property
    def deadline(self) -> dt.datetime | None: ...


class TrackerStore(Protocol):
    """The store calls the tracker makes."""

    def observe(
        self, job: Job, *, profile: str | None = ..., observed_at: dt.datetime | None = ...
    ) -> Observation:
        """Apply ``job`` to the stored one atomically; return what changed."""

    def get(self, adapter: str, job_id: str) -> Job | None:
        """The stored latest snapshot, or None."""

    def jobs(self, *, open_only: bool = ...) -> Sequence[Any]:
        """Stored jobs (items shaped like :class:`StoredJobLike`)."""

    def set_deadline(self, adapter: str, job_id: str, deadline: dt.datetime | None) -> None:
        """Keep the watch deadline (an absolute instant) so a later watch resumes with it."""

    def record_error(
        self, adapter: str, job_id: str, error: str, at: dt.datetime | None = ...
    ) -> None:
        """Keep an error seen while watching the job (its one-line, secret-free text)."""
