"""The unified job model every adapter returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs

from jobadapter.status import JobStatus

#: The largest count a Job holds: what every store keeps exactly (a signed 64-bit
#: integer). No job has more rows; a larger count is a bad answer, not a number to keep.
MAX_COUNT = 2**63 - 1


def _count_range(_inst: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and not 0 <= value <= MAX_COUNT:
        shown = (
            str(value) if value < 0 or len(str(value)) < 30 else f"a {len(str(value))}-digit number"
        )
        raise ValueError(f"{attribute.name} must be from 0 to {MAX_COUNT} or None, got {shown}")


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """Keep every instant in UTC; a naive datetime is a bug upstream, not a guess."""
    if value is None:
        return None
    if value.__class__ is dt.datetime and value.tzinfo is dt.timezone.utc:
        return value  # what the adapters' parse_timestamp gives: already in UTC
    if not isinstance(value, dt.datetime):
        raise TypeError(f"expected a datetime or None, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"naive datetime {value.isoformat()} in a Job: give it a timezone "
            "(adapters read provider-local times with jobadapter.parsing.parse_timestamp)"
        )
    return value.astimezone(dt.timezone.utc)


@attrs.frozen(slots=True)
class Counts:
    """Row counters. ``None`` means the provider does not say (yet)."""

    total: int | None = attrs.field(default=None, validator=_count_range)
    processed: int | None = attrs.field(default=None, validator=_count_range)
    succeeded: int | None = attrs.field(default=None, validator=_count_range)
    failed: int | None = attrs.field(default=None, validator=_count_range)

    def went_down_from(self, earlier: Counts) -> tuple[str, ...]:
        """Names of the counters that are lower now than in ``earlier``."""
        fields = ("total", "processed", "succeeded", "failed")
        return tuple(
            name
            for name in fields
            if (old := getattr(earlier, name)) is not None
            and (new := getattr(self, name)) is not None
            and new < old
        )


@attrs.frozen(slots=True)
class JobError:
    """One error the provider reported for the job as a whole."""

    code: str | None
    message: str
    #: The provider says the same work may succeed if submitted again later (a limit
    #: reached, a temporary failure): a retry, not a fix, is what it needs.
    retryable: bool = False


def _error_tuple(errors: Iterable[JobError]) -> tuple[JobError, ...]:
    return tuple(errors)


@attrs.frozen(slots=True)
class Job:
    """One provider job, in the shape every adapter returns.

    ``raw`` is the native payload, untouched; everything else is normalised:
    statuses mapped, counts as ints, datetimes timezone-aware UTC.
    """

    adapter: str
    id: str
    status: JobStatus
    native_status: str | None = None
    operation: str | None = None
    target: str | None = None
    counts: Counts = attrs.field(factory=Counts)
    created_at: dt.datetime | None = attrs.field(default=None, converter=_utc)
    started_at: dt.datetime | None = attrs.field(default=None, converter=_utc)
    ended_at: dt.datetime | None = attrs.field(default=None, converter=_utc)
    updated_at: dt.datetime | None = attrs.field(default=None, converter=_utc)
    submitted_by: str | None = None
    result_url: str | None = None
    #: Where the provider calls back when the job ends, when the submit asked for it.
    callback_url: str | None = None
    errors: tuple[JobError, ...] = attrs.field(default=(), converter=_error_tuple)
    raw: Any = attrs.field(default=None, eq=True, repr=False)

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal

    @property
    def has_row_failures(self) -> bool:
        """A finished job can succeed with failed rows: that is a count, not a status."""
        return bool(self.counts.failed)

    def with_total(self, total: int | None) -> Job:
        """This job with ``total`` rows, unless its answer said a total (which wins): how
        many rows a job has does not change, so a total known from elsewhere (the file
        that was uploaded, an earlier answer) still holds."""
        if total is None or self.counts.total is not None:
            return self
        return attrs.evolve(self, counts=attrs.evolve(self.counts, total=total))

    @property
    def key(self) -> tuple[str, str]:
        """The identity of a job across the whole hub: (adapter, id)."""
        return (self.adapter, self.id)
