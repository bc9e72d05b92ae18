"""The job-status state machine: one enum, one table of legal moves.

Every provider's native status word is mapped onto :class:`JobStatus`. The
table below is the only place that says which moves are legal; everything
else (the tracker, the store, anomaly detection) asks it.
"""

from __future__ import annotations

import enum


class JobStatus(enum.Enum):
    """Where a job is in its life, the same for every provider."""

    PENDING = "pending"
    RUNNING = "running"
    CANCELLING = "cancelling"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        """A terminal job never changes again at the provider."""
        return self._value_ in TERMINAL_VALUES  # str hashing: Enum.__hash__ is Python code

    @property
    def rank(self) -> int:
        """Position on the forward path; UNKNOWN has none (-1)."""
        return _RANK.get(self, -1)

    @classmethod
    def from_name(cls, name: str) -> JobStatus:
        """Read a status from its serialised lower-case name (or enum name)."""
        try:
            return cls(name.lower())
        except ValueError:
            raise ValueError(
                f"unknown job status {name!r}; expected one of " + ", ".join(s.value for s in cls)
            ) from None

    def can_move_to(self, new: JobStatus) -> bool:
        """Whether ``self -> new`` is a legal move (see :data:`TRANSITIONS`)."""
        return new in TRANSITIONS[self]


TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})
#: The terminal statuses' names, as a store keeps them.
TERMINAL_VALUES = frozenset(status.value for status in TERMINAL)

_RANK = {
    JobStatus.PENDING: 0,
    JobStatus.RUNNING: 1,
    JobStatus.CANCELLING: 2,
    JobStatus.SUCCEEDED: 3,
    JobStatus.FAILED: 3,
    JobStatus.CANCELLED: 3,
}


def _build_transitions() -> dict[JobStatus, frozenset[JobStatus]]:
    """Forward only, any skip forward; nothing out of a terminal state;
    UNKNOWN to and from any non-terminal state. Staying put is always legal."""
    table: dict[JobStatus, frozenset[JobStatus]] = {}
    for old in JobStatus:
        if old.is_terminal:
            table[old] = frozenset({old})
            continue
        allowed = {old, JobStatus.UNKNOWN}
        if old is JobStatus.UNKNOWN:
            allowed |= set(JobStatus)
        else:
            allowed |= {new for new in _RANK if _RANK[new] > _RANK[old]}
        table[old] = frozenset(allowed)
    return table


#: ``TRANSITIONS[old]`` is the set of statuses a job in ``old`` may move to.
TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = _build_transitions()
