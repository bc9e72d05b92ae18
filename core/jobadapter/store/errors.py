"""Typed errors of the store, each saying what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobadapter.errors import ConfigError, JobAdapterError

if TYPE_CHECKING:
    from jobadapter.store.records import Submission


class StoreError(JobAdapterError):
    """The job store cannot do what was asked."""


class SchemaTooNew(StoreError):
    """The database was written by a newer jobadapter than this one."""


class JobNotStored(StoreError, LookupError):
    """The job has never been observed into this store."""


class UnknownSubmission(StoreError, LookupError):
    """No submission with that id."""


class SubmissionExists(StoreError):
    """A submission with this idempotency key is already recorded.

    ``existing`` says what happened to it: reuse its job when it completed,
    reconcile it when it is still pending; never send it a second time blindly.
    """

    def __init__(self, existing: Submission) -> None:
        self.existing = existing
        super().__init__(
            f"a {existing.adapter} submission with idempotency key {existing.idempotency_key!r} "
            f"is already recorded (id {existing.id}, {existing.state.value}): "
            "reconcile it instead of submitting again"
        )


class StoreOutcomeUnknown(StoreError):
    """The database went away while a write was committing: it may or may not be saved.

    Read the state back (the job, the submission) before repeating the write.
    """


class ValueOutOfRange(StoreError, ValueError):
    """A number too large for the store's 64-bit integers (nothing was written)."""

    def __init__(self, store: str, cause: object) -> None:
        super().__init__(
            f"the job store {store} keeps counts and times as 64-bit integers; a value is "
            f"out of that range ({cause}): nothing was written"
        )


class BadStoreURL(StoreError, ConfigError):
    """A store URL none of the backends accepts."""
