"""The duration counts behind percentile seeks: one bucket rule in Python and SQL,
kept equal to a recount from the jobs after any history, on both backends."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobadapter.model import Job
from jobadapter.status import JobStatus
from jobadapter.store import Store
from jobadapter.store.durations import BACKFILL, bucket, bucket_sql, lower_edge
from store_data import fill

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
PROBES = sorted(
    {*range(100), 2**63 - 1}
    | {2**k + d for k in range(5, 63) for d in (-1, 0, 1)}
    | {random.Random(3).randrange(2**62) for _ in range(50)}
)
COUNTED = "SELECT provider, adapter, op, op_null, bucket, jobs FROM duration_buckets"
KEPT = f"{COUNTED} WHERE jobs <> 0 ORDER BY provider, adapter, op, op_null, bucket"


def run(store: Store, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in store._read(lambda conn: conn.execute(sql, params).fetchall())  # type: ignore[attr-defined]
    ]


def recounted(store: Store) -> list[tuple[Any, ...]]:
    """The counts made again from the jobs, by the migration's own statement."""

    def recount(conn: Any) -> list[tuple[Any, ...]]:
        conn.execute("DELETE FROM duration_buckets")
        conn.execute(BACKFILL)
        rows = [tuple(row) for row in conn.execute(KEPT).fetchall()]
        raise _Undo(rows)

    try:
        store._write(recount)  # type: ignore[attr-defined]
    except _Undo as undo:
        return undo.rows
    raise AssertionError("unreachable")


class _Undo(Exception):
    """Rolls the recount back, carrying what it found."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows


def test_one_bucket_rule_in_python_and_in_sql(store: Store) -> None:
    for value in PROBES:
        sql = f"SELECT {bucket_sql('v')} FROM (SELECT CAST(? AS BIGINT) AS v) AS probe"
        assert run(store, sql, (value,)) == [(bucket(value),)], value
        index = bucket(value)
        assert lower_edge(index) <= value and bucket(lower_edge(index)) == index
        assert index == 0 or bucket(lower_edge(index) - 1) < index


def test_kept_counts_equal_a_recount_after_a_filled_history(store: Store) -> None:
    fill(store, seed=9, jobs=150)
    kept = run(store, KEPT)
    assert kept and kept == recounted(store)


_ids = itertools.count()
STEP = st.tuples(
    st.sampled_from([JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.PENDING]),
    st.sampled_from(["update", "delete", None]),
    st.one_of(st.none(), st.integers(0, 10**7)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories=st.lists(st.lists(STEP, min_size=1, max_size=5), min_size=1, max_size=6))
def test_kept_counts_equal_a_recount_after_random_histories(
    store: Store, histories: list[list[tuple[JobStatus, str | None, int | None]]]
) -> None:
    """Operations that appear, change or vanish and durations that appear or move
    (ended_at given late, or changed) keep the counts exact."""
    for history in histories:
        job_id = f"H{next(_ids)}"
        for seconds, (status, operation, ended) in enumerate(history):
            job = Job(
                adapter="zuora.bulk_job",
                id=job_id,
                status=status,
                operation=operation,
                started_at=T0,
                ended_at=None if ended is None else T0 + dt.timedelta(microseconds=ended),
            )
            store.observe(job, observed_at=T0 + dt.timedelta(seconds=seconds))
    assert run(store, KEPT) == recounted(store)
