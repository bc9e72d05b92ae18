"""The transition table, pair by pair (49 pairs), and observe()."""

from __future__ import annotations

import itertools

import attrs
import pytest
from jobadapter import TRANSITIONS, AnomalyKind, Counts, Job, JobStatus, observe

P, R, C, S, F, X, U = (
    JobStatus.PENDING,
    JobStatus.RUNNING,
    JobStatus.CANCELLING,
    JobStatus.SUCCEEDED,
    JobStatus.FAILED,
    JobStatus.CANCELLED,
    JobStatus.UNKNOWN,
)

# Written out by hand from DESIGN.md, independently of the table's code:
# forward only with skips, nothing out of a terminal state, UNKNOWN to and
# from any non-terminal state, staying put always legal.
EXPECTED_LEGAL = {
    P: {P, R, C, S, F, X, U},
    R: {R, C, S, F, X, U},
    C: {C, S, F, X, U},
    S: {S},
    F: {F},
    X: {X},
    U: {P, R, C, S, F, X, U},
}

ALL_PAIRS = list(itertools.product(JobStatus, JobStatus))


def test_there_are_49_pairs() -> None:
    assert len(ALL_PAIRS) == 49


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS, ids=lambda s: s.value)
def test_table_matches_design(old: JobStatus, new: JobStatus) -> None:
    assert (new in TRANSITIONS[old]) is (new in EXPECTED_LEGAL[old])
    assert old.can_move_to(new) is (new in EXPECTED_LEGAL[old])


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS, ids=lambda s: s.value)
def test_observe_every_pair(old: JobStatus, new: JobStatus) -> None:
    last = Job(adapter="t.kind", id="1", status=old, native_status=old.value)
    seen = Job(adapter="t.kind", id="1", status=new, native_status=new.value)
    result = observe(last, seen)
    if new in EXPECTED_LEGAL[old]:
        assert result.job == seen
        assert result.anomalies == ()
    else:
        assert result.job == last, "an illegal move never moves the job"
        (anomaly,) = result.anomalies
        expected = AnomalyKind.OUT_OF_TERMINAL if old.is_terminal else AnomalyKind.BACKWARD_MOVE
        assert anomaly.kind is expected
        assert anomaly.old_status is old and anomaly.new_status is new


def test_terminal_set() -> None:
    assert {s for s in JobStatus if s.is_terminal} == {S, F, X}


def test_first_observation_is_kept() -> None:
    job = Job(adapter="t.kind", id="1", status=R)
    result = observe(None, job)
    assert result.job is job and result.status_changed and not result.anomalies


def test_counts_going_down_is_an_anomaly_and_keeps_the_higher_counts() -> None:
    last = Job(adapter="t.kind", id="1", status=R, counts=Counts(total=10, processed=6))
    seen = Job(adapter="t.kind", id="1", status=R, counts=Counts(total=10, processed=4))
    result = observe(last, seen)
    (anomaly,) = result.anomalies
    assert anomaly.kind is AnomalyKind.COUNTS_DECREASED
    assert "processed 6 -> 4" in anomaly.detail
    assert result.job.counts.processed == 6


def test_progress_without_status_change() -> None:
    last = Job(adapter="t.kind", id="1", status=R, counts=Counts(total=10, processed=2))
    seen = attrs.evolve(last, counts=Counts(total=10, processed=5))
    result = observe(last, seen)
    assert result.progressed and not result.status_changed and result.changed


def test_a_known_total_is_kept_when_an_answer_omits_it() -> None:
    submitted = Job(adapter="t.kind", id="1", status=P, counts=Counts(total=500))
    seen = Job(adapter="t.kind", id="1", status=R, counts=Counts(processed=120))
    result = observe(submitted, seen)
    assert result.job.counts == Counts(total=500, processed=120)
    assert result.job.status is R and not result.anomalies
    later = observe(result.job, attrs.evolve(seen, counts=Counts(processed=300)))
    assert later.job.counts.total == 500 and later.progressed


def test_a_total_the_provider_states_wins_over_the_known_one() -> None:
    submitted = Job(adapter="t.kind", id="1", status=P, counts=Counts(total=500))
    done = Job(adapter="t.kind", id="1", status=S, counts=Counts(total=510, processed=510))
    result = observe(submitted, done)
    assert result.job is done and not result.anomalies
    # A lower one is a counter going down, like any other: reported, the higher kept.
    short = attrs.evolve(done, counts=Counts(total=498, processed=498))
    lower = observe(submitted, short)
    assert lower.job.counts.total == 500
    assert [a.kind for a in lower.anomalies] == [AnomalyKind.COUNTS_DECREASED]


def test_observe_refuses_two_different_jobs() -> None:
    with pytest.raises(ValueError, match="two different jobs"):
        observe(Job(adapter="a.b", id="1", status=P), Job(adapter="a.b", id="2", status=P))


def test_from_name() -> None:
    assert JobStatus.from_name("SUCCEEDED") is S
    with pytest.raises(ValueError, match="expected one of"):
        JobStatus.from_name("done")
