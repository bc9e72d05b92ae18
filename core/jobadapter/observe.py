"""Apply one new observation of a job to the last known one.

This is where the state machine meets the network: replicas answer stale
statuses, counters can jump back. The job never moves backwards; what does
not fit the table is returned as a typed :class:`Anomaly`, never raised.
"""

from __future__ import annotations

import enum

import attrs

from jobadapter.model import Job
from jobadapter.status import JobStatus


class AnomalyKind(enum.Enum):
    BACKWARD_MOVE = "backward_move"
    OUT_OF_TERMINAL = "out_of_terminal"
    COUNTS_DECREASED = "counts_decreased"


@attrs.frozen(slots=True)
class Anomaly:
    """Something observed that the state machine does not allow."""

    kind: AnomalyKind
    adapter: str
    job_id: str
    old_status: JobStatus
    new_status: JobStatus
    detail: str

    def describe(self) -> str:
        return f"{self.adapter} job {self.job_id}: {self.kind.value}: {self.detail}"


@attrs.frozen(slots=True)
class Observation:
    """What to keep after an observation, and what changed."""

    job: Job
    previous: Job | None
    anomalies: tuple[Anomaly, ...] = ()

    @property
    def status_changed(self) -> bool:
        return self.previous is None or self.previous.status is not self.job.status

    @property
    def progressed(self) -> bool:
        """Counters moved (without a status change)."""
        return self.previous is not None and self.previous.counts != self.job.counts

    @property
    def changed(self) -> bool:
        return self.status_changed or self.progressed


def observe(last: Job | None, new: Job) -> Observation:
    """The Job to keep given the ``last`` known one and a ``new`` observation.

    Legal moves keep ``new``. An illegal move (backwards, or out of a
    terminal state) keeps ``last`` unchanged and reports an anomaly.
    Counters going down on an otherwise legal move are reported; the job
    keeps the higher counters seen so far. A ``total`` known before (say,
    the rows of the file jobadapter uploaded) is kept when the new answer
    does not say one: how many rows a job has does not change, and it is
    what lets the tracker predict the job's end.
    """
    if last is None:
        return Observation(job=new, previous=None)
    if last.key != new.key:
        raise ValueError(f"observe() got two different jobs: {last.key} and {new.key}")
    old_status, new_status = last.status, new.status
    if not old_status.can_move_to(new_status):
        kind = AnomalyKind.OUT_OF_TERMINAL if old_status.is_terminal else AnomalyKind.BACKWARD_MOVE
        anomaly = Anomaly(
            kind=kind,
            adapter=new.adapter,
            job_id=new.id,
            old_status=old_status,
            new_status=new_status,
            detail=(
                f"observed {new.native_status or new_status.value!r} ({new_status.value}) after "
                f"{last.native_status or old_status.value!r} ({old_status.value}); kept {old_status.value}"
            ),
        )
        return Observation(job=last, previous=last, anomalies=(anomaly,))
    new = new.with_total(last.counts.total)
    decreased = new.counts.went_down_from(last.counts)
    if decreased:
        anomaly = Anomaly(
            kind=AnomalyKind.COUNTS_DECREASED,
            adapter=new.adapter,
            job_id=new.id,
            old_status=old_status,
            new_status=new_status,
            detail=", ".join(
                f"{name} {getattr(last.counts, name)} -> {getattr(new.counts, name)}"
                for name in decreased
            ),
        )
        kept_counts = attrs.evolve(
            new.counts, **{name: getattr(last.counts, name) for name in decreased}
        )
        return Observation(
            job=attrs.evolve(new, counts=kept_counts), previous=last, anomalies=(anomaly,)
        )
    return Observation(job=new, previous=last)
