"""The tracking benchmark's simulated jobs: the four adapter kinds, the grid of job
shapes (cells) and each job's true life, read off the clock by the scripted provider.

Kept apart from the runs so the tracker and the naive poller are judged against
the same jobs, built the same way from one seed.
"""

from __future__ import annotations

import random

from jobadapter import Job, JobStatus
from jobadapter.model import Counts

#: (adapter name, poll_interval like the real adapter's, answers report a total,
#: the submission's Job carries the total)
KINDS = (
    ("bench.mass_updater", (2.0, 60.0), True, False),
    ("bench.bulk_job", (2.0, 60.0), True, False),
    ("bench.custom_object_job", (2.0, 60.0), False, True),
    ("bench.mass_update", (2.0, 60.0), True, False),
)
#: The kinds whose submission's Job carries the total.
TOTAL_AT_SUBMIT = frozenset(name for name, _, _, known in KINDS if known)


class BenchJob:
    """One job's true life: pending until ``run_at``, then rows processed along
    ``share ** exponent`` of the running time, visible in batches, until ``end``
    (or until ``stall_at``, where the counters stop until the end)."""

    __slots__ = ("batch", "end", "exponent", "has_total", "outcome", "run_at", "stall_at", "total")

    def __init__(
        self,
        run_at: float,
        end: float,
        total: int,
        exponent: float,
        batch: int,
        has_total: bool,
        outcome: JobStatus,
        stall_at: float | None = None,
    ) -> None:
        self.run_at = run_at
        self.stall_at = stall_at
        self.end = end
        self.total = total
        self.exponent = exponent
        self.batch = batch
        self.has_total = has_total
        self.outcome = outcome

    def answer(self, adapter: str, job_id: str, t: float) -> Job:
        total = self.total if self.has_total else None
        if t >= self.end:
            status, done = self.outcome, self.total
        elif t < self.run_at:
            status, done = JobStatus.PENDING, 0
        else:
            t = t if self.stall_at is None else min(t, self.stall_at)
            share = ((t - self.run_at) / (self.end - self.run_at)) ** self.exponent
            status, done = JobStatus.RUNNING, int(self.total * share) // self.batch * self.batch
        return Job(
            adapter=adapter,
            id=job_id,
            status=status,
            native_status=status.name,
            counts=Counts(total, done, done, 0),
        )


class Cell:
    """One shape of job in the grid."""

    def __init__(self, exponent: float, totals: bool, stall: bool, short: bool = False) -> None:
        self.exponent = exponent
        self.totals = totals
        self.stall = stall
        self.short = short

    @property
    def name(self) -> str:
        shape = "stall" if self.stall else f"exp{self.exponent:g}"
        return f"{'short_' if self.short else ''}{shape}/{'totals' if self.totals else 'no_totals'}"


#: The issue's grid (exponent 0.3 / 1 / 3, stall; with and without totals), then
#: cells that look for a weakness it may hide: a flatter and a much steeper curve,
#: and short jobs (5-30 s running) where a poll or two decides the latency.
GRID = [Cell(e, totals, False) for e in (0.3, 1.0, 3.0) for totals in (True, False)] + [
    Cell(1.0, totals, True) for totals in (True, False)
]
EXTRA = [Cell(0.1, True, False), Cell(10.0, True, False)] + [
    Cell(1.0, totals, False, short=True) for totals in (True, False)
]


def make_jobs(
    n: int, minutes: float, rng: random.Random, cell: Cell
) -> list[tuple[str, str, BenchJob]]:
    """``n`` jobs of ``cell``'s shape: submitted in the first 30 s, ending uniformly
    over ``minutes``."""
    out = []
    span = minutes * 60.0
    for i in range(n):
        adapter, _, has_total, _ = KINDS[i % len(KINDS)]
        run_at = rng.uniform(0.0, 30.0)
        end = rng.uniform(run_at + 5.0, run_at + 30.0 if cell.short else 30.0 + span)
        total = rng.randint(100, 50_000)
        outcome = JobStatus.FAILED if rng.random() < 0.05 else JobStatus.SUCCEEDED
        stall = run_at + rng.uniform(0.3, 0.7) * (end - run_at)
        job = BenchJob(
            run_at=run_at,
            end=end,
            total=total,
            exponent=cell.exponent,
            batch=max(1, total // rng.choice((20, 50, 100, 1000))),
            has_total=has_total and cell.totals,
            outcome=outcome,
            stall_at=stall if cell.stall else None,
        )
        out.append((adapter, f"job-{i:06d}", job))
    return out


def submitted(adapter: str, job_id: str, timeline: BenchJob, cell: Cell) -> Job:
    """What the job's submission returned: pending, with the total where the
    submitter knows it (the custom-object-like kind: the uploaded CSV's records)."""
    total = timeline.total if adapter in TOTAL_AT_SUBMIT and cell.totals else None
    return Job(
        adapter=adapter,
        id=job_id,
        status=JobStatus.PENDING,
        native_status=JobStatus.PENDING.name,
        counts=Counts(total=total),
    )
