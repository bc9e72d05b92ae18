"""What the store keeps for reports as jobs change (the duration counts behind
percentile seeks, the figures of ended jobs) equals a recount from the jobs
after any history, on both backends; one bucket rule in Python and SQL."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jobadapter.model import Counts, Job
from jobadapter.reports import build_report
from jobadapter.status import JobStatus
from jobadapter.store import SqliteStore, Store, report_sums
from jobadapter.store.durations import bucket, bucket_sql, lower_edge
from jobadapter.store.recount import recount
from store_data import fill

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
PROBES = sorted(
    {*range(100), 2**63 - 1}
    | {2**k + d for k in range(5, 63) for d in (-1, 0, 1)}
    | {random.Random(3).randrange(2**62) for _ in range(50)}
)
SUMS = ", ".join(report_sums.COLUMNS)
#: The kept rows in order, per kept table (recount.KEPT's order).
KEPT = (
    "SELECT provider, adapter, op, op_null, bucket, jobs FROM duration_buckets "
    "WHERE jobs <> 0 ORDER BY provider, adapter, op, op_null, bucket",
    f"SELECT provider, adapter, op, op_null, {SUMS} FROM report_sums "
    "WHERE jobs <> 0 ORDER BY provider, adapter, op, op_null",
)


def run(store: Store, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in store._read(lambda conn: conn.execute(sql, params).fetchall())  # type: ignore[attr-defined]
    ]


def kept(store: Store) -> list[list[tuple[Any, ...]]]:
    """Every kept row that counts a job; a row left counting none must hold zeros."""
    empty = run(store, f"SELECT {SUMS} FROM report_sums WHERE jobs = 0")
    assert all(not any(row) for row in empty)
    return [run(store, select) for select in KEPT]


def recounted(store: Store) -> list[list[tuple[Any, ...]]]:
    """The same rows made again from the jobs (``store recount``: the migrations' own
    statements), rolled back."""

    def count_again(conn: Any) -> list[list[tuple[Any, ...]]]:
        recount(conn, store.dialect)  # type: ignore[attr-defined]
        rows = [[tuple(row) for row in conn.execute(select).fetchall()] for select in KEPT]
        raise _Undo(rows)

    try:
        store._write(count_again)  # type: ignore[attr-defined]
    except _Undo as undo:
        return undo.rows
    raise AssertionError("unreachable")


class _Undo(Exception):
    """Rolls the recount back, carrying what it found."""

    def __init__(self, rows: list[list[tuple[Any, ...]]]) -> None:
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
    found = kept(store)
    assert all(found) and found == recounted(store)


_ids = itertools.count()
STEP = st.tuples(
    st.sampled_from([JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.PENDING]),
    st.sampled_from(["update", "delete", None]),
    st.one_of(st.none(), st.integers(0, 10**7)),
    st.sampled_from([None, 0, 3]),
    st.booleans(),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories=st.lists(st.lists(STEP, min_size=1, max_size=5), min_size=1, max_size=6))
def test_kept_counts_equal_a_recount_after_random_histories(
    store: Store,
    histories: list[list[tuple[JobStatus, str | None, int | None, int | None, bool]]],
) -> None:
    """Operations that appear, change or vanish, durations that appear or move
    (ended_at given late, or changed), counters of ended jobs that change,
    anomalies and recorded errors on open and ended jobs keep everything exact."""
    for history in histories:
        job_id = f"H{next(_ids)}"
        for seconds, (status, operation, ended, failed, error) in enumerate(history):
            job = Job(
                adapter="zuora.bulk_job",
                id=job_id,
                status=status,
                operation=operation,
                counts=Counts(total=10, processed=seconds, failed=failed),
                started_at=T0,
                ended_at=None if ended is None else T0 + dt.timedelta(microseconds=ended),
            )
            store.observe(job, observed_at=T0 + dt.timedelta(seconds=seconds))
            if error:
                store.record_error("zuora.bulk_job", job_id, "HTTP 500")
    assert kept(store) == recounted(store)


def test_a_store_from_before_the_kept_aggregates_is_backfilled(tmp_path: Path) -> None:
    """A store written before migrations 3 and 4 gets the same kept rows, and the
    same report, as one that kept them from the start."""
    path = tmp_path / "old.sqlite3"
    with SqliteStore(path) as store:
        fill(store, seed=4, jobs=80)
        before, report = kept(store), build_report(store, now=T0).to_dict()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE duration_buckets")
    conn.execute("DROP TABLE report_sums")
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    with SqliteStore(path) as store:
        assert kept(store) == before
        assert build_report(store, now=T0).to_dict() == report


def test_kept_counts_drifted_by_an_older_writer_are_counted_again(store: Store) -> None:
    # During a rolling upgrade a process of the release before the kept figures
    # changes jobs without keeping them: `jobadapter store recount` (this call)
    # makes them again from the jobs, and the report is right once more.
    fill(store, seed=11, jobs=60)
    report = build_report(store).to_dict()

    def drift(conn: Any) -> None:  # what an older writer leaves: jobs moved, sums not
        conn.execute("UPDATE jobs SET status = 'failed', duration_us = 5 WHERE MOD(pk, 3) = 0")

    store._write(drift)  # type: ignore[attr-defined]
    assert kept(store) != recounted(store)
    counted = store.recount_kept_figures()
    assert kept(store) == recounted(store)
    assert counted == {"duration_buckets": len(kept(store)[0]), "report_sums": len(kept(store)[1])}
    assert build_report(store).to_dict() != report  # the moved jobs do show now
    store._write(lambda conn: conn.execute("DELETE FROM report_sums"))  # type: ignore[attr-defined]
    store.recount_kept_figures()
    assert kept(store)[1] and kept(store) == recounted(store)


def test_store_recount_on_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from jobadapter.cli.main import cli

    path = tmp_path / "store.sqlite3"
    with SqliteStore(path) as store:
        fill(store, seed=5, jobs=30)
        store._write(lambda conn: conn.execute("DELETE FROM report_sums"))
    result = CliRunner().invoke(cli, ["--store", str(path), "store", "recount", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    assert set(rows) == {"duration_buckets", "report_sums"} and rows["report_sums"] > 0
    with SqliteStore(path) as store:
        assert kept(store) == recounted(store)
    plain = CliRunner().invoke(cli, ["--store", str(path), "store", "recount"])
    assert plain.exit_code == 0 and "report_sums" in plain.output
