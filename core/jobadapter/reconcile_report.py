"""What :func:`~jobadapter.reconcile.reconcile` decided: one outcome per pending
submission, and the report that gathers them."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

from jobadapter.model import Job

if TYPE_CHECKING:
    from jobadapter.store.records import Submission


class Resolution(enum.Enum):
    """What :func:`reconcile` decided for one pending submission."""

    #: Sent again with the same idempotency key; the provider answered its job.
    RESENT = "resent"
    #: Its job was found among the provider's jobs and linked.
    FOUND = "found"
    #: The provider has no job for it and it was sent now (the first send never arrived).
    SENT = "sent"
    #: The provider has no job for it; marked failed, so it can be submitted again.
    NOT_STARTED = "not_started"
    #: No safe way to tell: left pending for an operator (``hub.resolve_submission``).
    UNKNOWN = "unknown"
    #: The provider could not be asked now (network, rate limit): run reconcile again.
    RETRY = "retry"


@attrs.frozen
class Reconciled:
    """One pending submission and what became of it (``job`` when it is now linked)."""

    submission: Submission
    resolution: Resolution
    job: Job | None = None
    detail: str = ""

    def describe(self) -> str:
        sub = self.submission
        where = f" -> job {self.job.id}" if self.job is not None else ""
        text = f"{sub.adapter} submission {sub.id} ({sub.idempotency_key}): {self.resolution.value}"
        return text + where + (f"; {self.detail}" if self.detail else "")


@attrs.frozen
class ReconcileReport:
    """Every pending submission seen, in the order they were made."""

    outcomes: tuple[Reconciled, ...] = ()

    def __iter__(self) -> Iterator[Reconciled]:
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)

    def where(self, resolution: Resolution) -> list[Reconciled]:
        return [o for o in self.outcomes if o.resolution is resolution]

    @property
    def jobs(self) -> list[Job]:
        """The jobs now linked to their submission (the store watches them on resume)."""
        return [o.job for o in self.outcomes if o.job is not None]

    @property
    def unresolved(self) -> list[Reconciled]:
        """Still pending: for an operator (UNKNOWN) or for a later run (RETRY)."""
        return [o for o in self.outcomes if o.resolution in (Resolution.UNKNOWN, Resolution.RETRY)]

    def counts(self) -> dict[str, int]:
        return {r.value: len(self.where(r)) for r in Resolution}
