"""The invariants every reliability run ends with, checked against the simulators' own state.

"Exactly" for stored transitions, given that a poller sees only some moments:
every stored status is one the simulator really answered for that job, in
the same order (the stored sequence is a subsequence of the simulator's
answered history), each stored move is legal (nothing backward, nothing out
of a terminal status), and the last stored job has the simulator's final
status word and counters.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import attrs
from jobadapter.clock import utc_from_epoch as from_epoch
from jobadapter.status import JobStatus
from jobadapter.store import SqliteStore, SubmissionState
from reliability_world import (
    START,
    Sims,
    Spec,
    Truth,
    job_counts_match,
    same_word,
    truths,
    unified,
)


@attrs.define
class Outcome:
    """What a run proved: counts of jobs, and every invariant that broke (none, hopefully)."""

    jobs: int = 0
    finished: int = 0
    lost: list[str] = attrs.Factory(list)
    duplicated: list[str] = attrs.Factory(list)
    problems: list[str] = attrs.Factory(list)
    transitions: int = 0
    by_status: dict[str, int] = attrs.Factory(dict)

    def assert_clean(self) -> None:
        shown = (self.lost + self.duplicated + self.problems)[:20]
        assert not shown, "\n".join(shown)


def is_subsequence(items: Sequence[JobStatus], of: Sequence[JobStatus]) -> bool:
    position = iter(of)
    return all(any(item is other for other in position) for item in items)


def _collapsed(statuses: Iterable[JobStatus]) -> list[JobStatus]:
    out: list[JobStatus] = []
    for status in statuses:
        if not out or out[-1] is not status:
            out.append(status)
    return out


def check_world(
    sims: Sims,
    store: SqliteStore,
    specs: Sequence[Spec],
    keys_by_marker: Mapping[str, Sequence[str]],
) -> Outcome:
    """Compare the store with the simulators for every planned job."""
    outcome = Outcome(jobs=len(specs))
    planned = {spec.marker: spec for spec in specs}
    by_marker: dict[str, list[Truth]] = defaultdict(list)
    for truth in truths(sims):
        by_marker[truth.marker].append(truth)
    for marker, found in by_marker.items():
        if marker not in planned:
            outcome.problems.append(f"the simulator has jobs nobody planned: {marker} {found}")
        elif len(found) > 1:
            outcome.duplicated.append(f"{marker}: {len(found)} jobs {[t.job_id for t in found]}")
    for sim in sims.all:
        for key, created in sim.recorder.created_by_key.items():  # type: ignore[attr-defined]
            if len(created) > 1:
                outcome.duplicated.append(f"idempotency key {key} created {sorted(created)}")
    for marker, spec in planned.items():
        found = by_marker.get(marker, [])
        if not found:
            outcome.lost.append(f"{marker} ({spec.adapter}): no job at the simulator")
            continue
        _check_submissions(store, spec, found[0], keys_by_marker.get(marker, ()), outcome)
        _check_job(sims, store, found[0], outcome)
    return outcome


def _check_submissions(
    store: SqliteStore, spec: Spec, truth: Truth, keys: Sequence[str], outcome: Outcome
) -> None:
    states = []
    for key in keys:
        sub = store.find_submission(spec.adapter, key)
        if sub is None:
            continue
        states.append(sub.state)
        if sub.state is SubmissionState.COMPLETED and sub.job_id != truth.job_id:
            outcome.problems.append(f"{spec.marker}: submission {key} linked to {sub.job_id}")
        if sub.state is SubmissionState.PENDING:
            outcome.problems.append(f"{spec.marker}: submission {key} is still pending")
    if states.count(SubmissionState.COMPLETED) != 1:
        outcome.problems.append(
            f"{spec.marker}: {states.count(SubmissionState.COMPLETED)} completed submissions "
            f"(keys {list(keys)})"
        )


def _check_job(sims: Sims, store: SqliteStore, truth: Truth, outcome: Outcome) -> None:
    where = f"{truth.marker} {truth.adapter} {truth.job_id}"
    job = store.get(truth.adapter, truth.job_id)
    if job is None:
        outcome.lost.append(f"{where}: the simulator has it, the store does not")
        return
    outcome.by_status[job.status.value] = outcome.by_status.get(job.status.value, 0) + 1
    if not job.is_terminal:
        outcome.problems.append(f"{where}: stored {job.status.value}, not terminal")
    else:
        outcome.finished += 1
    if not same_word(job.native_status, truth.native):
        outcome.problems.append(
            f"{where}: stored {job.native_status!r}, simulator {truth.native!r}"
        )
    wrong = job_counts_match(job, truth)
    if wrong:
        outcome.problems.append(f"{where}: counts {', '.join(wrong)}")
    history = sims.recorder(truth.adapter).history.get(truth.key, [])
    real = _collapsed(unified(truth.adapter, word) for word in history)
    moves = store.transitions(truth.adapter, truth.job_id)
    outcome.transitions += len(moves)
    _check_times(sims, store, truth, [move.observed_at for move in moves], outcome)
    stored = [move.new_status for move in moves]
    if not is_subsequence(stored, real):
        outcome.problems.append(
            f"{where}: stored {[s.value for s in stored]} is not the simulator's order "
            f"{[s.value for s in real]}"
        )
    for before, after in itertools.pairwise(moves):
        if after.old_status is not before.new_status or not before.new_status.can_move_to(
            after.new_status
        ):
            outcome.problems.append(
                f"{where}: stored move {before.new_status.value} -> {after.new_status.value}"
            )
    natives = {word for word in history}
    for move in moves:
        if move.native_status is not None and not any(
            same_word(move.native_status, word) for word in natives
        ):
            outcome.problems.append(f"{where}: stored {move.native_status!r} never answered")


def _check_times(
    sims: Sims, store: SqliteStore, truth: Truth, observed: list[dt.datetime], outcome: Outcome
) -> None:
    """Every instant the store kept for the job is simulated time: the store, the
    tracker and the simulators share one clock (a job observed at a real-time
    instant would have a duration of years and a first sight after its end)."""
    stored = store.stored(truth.adapter, truth.job_id)
    assert stored is not None  # checked by the caller
    kept = [stored.first_seen, stored.last_seen, stored.terminal_seen, *observed]
    start, end = from_epoch(START), sims.clock.utcnow()
    outside = [at.isoformat() for at in kept if at is not None and not start <= at <= end]
    if outside:
        outcome.problems.append(
            f"{truth.marker} {truth.adapter} {truth.job_id}: stored instants {outside} are "
            f"outside the simulated run {start.isoformat()} .. {end.isoformat()}"
        )
