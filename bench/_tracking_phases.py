"""Where the tracker's requests go, by the phase of each job's true life: while
pending, the first look that finds it running, the rest while its counters move,
while they are stopped (the stall cells), and the look that finds the end.

A diagnostic, not a figure the tracker is judged by: it reads the bench's own
knowledge of each job (its start, stall and end), which the tracker never sees.
"""

from __future__ import annotations

from collections import Counter

from _tracking_jobs import BenchJob

PHASES = ("pending", "first_running", "moving", "stopped", "end")


def phase_of(job: BenchJob, at: float, seen_running: bool) -> str:
    """The phase of ``job`` a request sent ``at`` (seconds since the start) falls in."""
    if at >= job.end:
        return "end"
    if at < job.run_at:
        return "pending"
    if not seen_running:
        return "first_running"
    if job.stall_at is not None and at >= job.stall_at:
        return "stopped"
    return "moving"


def polls_by_phase(
    jobs: list[tuple[str, str, BenchJob]], calls: list[tuple[float, str, str, str]], start: float
) -> dict[str, float]:
    """Requests per job in each phase, from the scripted provider's recorded calls."""
    timelines = {job_id: job for _, job_id, job in jobs}
    counts: Counter[str] = Counter()
    seen: set[str] = set()
    for at, _, job_id, _ in sorted(calls):
        job = timelines[job_id]
        phase = phase_of(job, at - start, job_id in seen)
        if phase == "first_running":
            seen.add(job_id)
        counts[phase] += 1
    return {phase: round(counts[phase] / len(jobs), 2) for phase in PHASES}
