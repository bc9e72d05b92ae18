"""The simulators' truth: every job as the simulator itself knows it now (marker,
native status, counters), and the comparisons the checks make against it.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
from jobadapter import Job
from jobadapter.model import Counts
from jobadapter.status import JobStatus
from jobadapter.statuses import StatusTable, normalise_word
from reliability_jobs import ADAPTER_CLASSES, BULK, CO, MASS, ZOHO
from reliability_sims import Sims


@attrs.frozen
class Truth:
    """A job as the simulator itself knows it now."""

    adapter: str
    job_id: str
    marker: str
    native: str
    counts: Counts

    @property
    def key(self) -> tuple[str, str]:
        return (self.adapter, self.job_id)


def truths(sims: Sims) -> list[Truth]:
    """Every job on the simulators, with its marker, status and counters now."""
    now = sims.clock.now()
    return [*_co_truths(sims, now), *_zoho_truths(sims), *_mass_truths(sims, now),
            *_bulk_truths(sims, now)]  # fmt: skip


def _co_truths(sims: Sims, now: float) -> Iterator[Truth]:
    with sims.co.lock:
        jobs = list(sims.co.jobs.values())
        for job in jobs:
            job.advance(now, sims.co.rows_per_second, sims.co.accept_delay)
    for job in jobs:
        failed = len(job.failing_rows)
        counts = Counts(
            total=job.total,
            processed=job.processed,
            succeeded=job.processed - failed,
            failed=failed,
        )
        yield Truth(CO, job.id, job.object, job.status, counts)


def _zoho_truths(sims: Sims) -> Iterator[Truth]:
    for job in list(sims.zoho.jobs.values()):
        state = sims.zoho.status_of(job.id)
        updated, failed = _int(state["Updated_Count"]), _int(state["Failed_Count"])
        counts = Counts(
            total=_int(state["Total_Count"]), processed=updated + failed, succeeded=updated,
            failed=failed,
        )  # fmt: skip
        marker = sims.zoho_views.get(job.cvid, f"?{job.cvid}")
        yield Truth(ZOHO, f"{job.module}:{job.id}", marker, str(state["Status"]), counts)


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _mass_truths(sims: Sims, now: float) -> Iterator[Truth]:
    for action in list(sims.bulk.mass_actions.values()):
        state = action.state(now)
        marker = action.table.rows[0][1] if action.table.rows else "?"
        counts = Counts(
            total=action.total, processed=state.processed, succeeded=state.succeeded,
            failed=state.failed,
        )  # fmt: skip
        yield Truth(MASS, action.key, marker, state.status, counts)


def _bulk_truths(sims: Sims, now: float) -> Iterator[Truth]:
    for job in list(sims.bulk.bulk_jobs.values()):
        state = job.state(now)
        done = None if state.succeeded is None else state.succeeded + (state.failed or 0)
        counts = Counts(
            total=state.total, processed=done, succeeded=state.succeeded, failed=state.failed
        )
        yield Truth(BULK, job.id, str(job.body.get("name")), state.status, counts)


def statuses_of(adapter: str) -> StatusTable:
    return ADAPTER_CLASSES[adapter].statuses


def unified(adapter: str, native: str) -> JobStatus:
    return statuses_of(adapter).lookup(native)


def same_word(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normalise_word(a) == normalise_word(b)


def job_counts_match(job: Job, truth: Truth) -> list[str]:
    """The counters where ``job`` disagrees with the simulator (None = not reported)."""
    wrong = []
    for name in ("total", "processed", "succeeded", "failed"):
        mine, real = getattr(job.counts, name), getattr(truth.counts, name)
        if mine is not None and real is not None and mine != real:
            wrong.append(f"{name} {mine} != {real}")
    if job.counts.processed is None and truth.counts.processed:
        wrong.append("processed not reported")
    return wrong
