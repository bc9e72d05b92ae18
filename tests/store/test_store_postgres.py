"""What only the PostgreSQL store has: migrations raced by many workers, the server
dropping connections or refusing new ones, and URLs that carry a password."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
import time
from typing import Any

import psycopg
import pytest
from jobadapter.model import Job
from jobadapter.status import JobStatus
from jobadapter.store import StoreError, open_store
from jobadapter.store.migrations import LATEST
from jobadapter.store.postgres import PostgresStore
from jobadapter.store.postgres_open import schema_version
from jobadapter.testing.postgres import server_url

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
P, R, S = JobStatus.PENDING, JobStatus.RUNNING, JobStatus.SUCCEEDED


def job(status: JobStatus, id: str = "J1") -> Job:
    return Job(adapter="zuora.bulk_job", id=id, status=status)


def _open_and_observe(url: str, name: str, barrier: Any) -> None:
    barrier.wait()
    with open_store(url, timeout=60) as store:
        store.observe(job(P, id=name))


def test_workers_starting_at_once_migrate_once(pg_schema_url: str) -> None:
    """Three processes and four threads open a new database at the same moment."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [
        ctx.Process(target=_open_and_observe, args=(pg_schema_url, f"p{n}", barrier))
        for n in range(3)
    ]
    for p in procs:
        p.start()
    errors: list[BaseException] = []
    gate = threading.Barrier(4)

    def thread_worker(n: int) -> None:
        try:
            gate.wait()
            with open_store(pg_schema_url, timeout=60) as store:
                store.observe(job(P, id=f"t{n}"))
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=thread_worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join(120)
    assert errors == []
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with psycopg.connect(pg_schema_url) as conn:
        assert schema_version(conn) == LATEST
        assert conn.execute("SELECT COUNT(*) FROM jobadapter_schema").fetchone() == (1,)
    with open_store(pg_schema_url) as store:
        assert len(store.jobs()) == 7


def _database(url: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT current_database()").fetchone()
        assert row is not None
        return str(row[0])


def _drop_connections(admin: psycopg.Connection[Any], database: str) -> int:
    """Terminate every store connection to ``database`` (as a server restart would)."""
    rows = admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND application_name = 'jobadapter'",
        (database,),
    ).fetchall()
    return len(rows)


def test_dropped_connections_are_replaced_and_nothing_is_lost(
    pg_schema_url: str, pg_url: str
) -> None:
    database = _database(pg_url)
    with (
        open_store(pg_schema_url, timeout=20) as store,
        psycopg.connect(pg_url, autocommit=True) as admin,
    ):
        store.observe(job(P), observed_at=T0)
        assert _drop_connections(admin, database) >= 1
        # The next write finds its pooled connection dead, takes a new one, and lands once.
        store.observe(job(R), observed_at=T0 + dt.timedelta(seconds=1))
        assert _drop_connections(admin, database) >= 1
        assert [t.new_status for t in store.transitions("zuora.bulk_job", "J1")] == [P, R]


def test_a_database_that_refuses_connections_for_a_while(pg_schema_url: str, pg_url: str) -> None:
    """Writes wait for the database to come back; past the timeout they fail typed."""
    database = _database(pg_url)
    with psycopg.connect(server_url(), autocommit=True) as admin:
        store = open_store(pg_schema_url, timeout=1.0)
        assert isinstance(store, PostgresStore)
        try:
            store.observe(job(P), observed_at=T0)
            admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
            try:
                _drop_connections(admin, database)
                started = time.monotonic()
                with pytest.raises(StoreError, match="nothing was written"):
                    store.observe(job(R), observed_at=T0 + dt.timedelta(seconds=1))
                assert time.monotonic() - started < 10

                def come_back() -> None:
                    time.sleep(0.5)
                    admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')

                back = threading.Thread(target=come_back)
                back.start()
                store._timeout = 30  # this write waits long enough for the server to return
                store.observe(job(S), observed_at=T0 + dt.timedelta(seconds=2))
                back.join()
            finally:
                admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
            transitions = store.transitions("zuora.bulk_job", "J1")
            assert [t.new_status for t in transitions] == [P, S]  # the failed write left nothing
        finally:
            store.close()


def test_an_unreachable_server_is_a_typed_error_without_the_password() -> None:
    url = "postgresql://ops:hunter2-secret@127.0.0.1:1/nowhere"
    started = time.monotonic()
    with pytest.raises(StoreError, match="cannot reach the job store") as info:
        open_store(url, timeout=0.5)
    assert time.monotonic() - started < 10
    assert "hunter2-secret" not in str(info.value)
    assert "ops:***@127.0.0.1:1" in str(info.value)


def test_repr_hides_the_password(pg_schema_url: str) -> None:
    url = pg_schema_url.replace("postgres@", "postgres:not-checked-by-trust@")
    with open_store(url) as store:
        assert "not-checked-by-trust" not in repr(store)
        assert "postgres:***@" in repr(store)


def test_a_poll_of_an_open_job_is_one_statement(pg_schema_url: str, monkeypatch: Any) -> None:
    """Most polls see nothing new or only counters move: on PostgreSQL that is one
    autocommitted UPDATE checked against the snapshot this process stored, not a
    transaction of a locking read and a write (four round trips)."""
    from jobadapter.model import Counts
    from jobadapter.store import postgres

    with open_store(pg_schema_url) as store:
        running = Job(adapter="zuora.bulk_job", id="Q1", status=R, counts=Counts(total=9))
        store.observe(running, observed_at=T0)
        sent: list[str] = []
        transactions: list[int] = []
        real_execute, real_transaction = postgres._PgConn.execute, psycopg.Connection.transaction

        def counting_execute(self: Any, sql: str, parameters: Any = (), /) -> Any:
            sent.append(sql.split()[0])
            return real_execute(self, sql, parameters)

        def counting_transaction(self: Any, *args: Any, **kwargs: Any) -> Any:
            transactions.append(1)
            return real_transaction(self, *args, **kwargs)

        monkeypatch.setattr(postgres._PgConn, "execute", counting_execute)
        monkeypatch.setattr(psycopg.Connection, "transaction", counting_transaction)
        for n, processed in enumerate((None, 3, 3, 5), start=1):
            counts = Counts(total=9, processed=processed)
            store.observe(
                Job(adapter="zuora.bulk_job", id="Q1", status=R, counts=counts),
                observed_at=T0 + dt.timedelta(seconds=n),
            )
        assert (sent, transactions) == (["UPDATE"] * 4, [])
        stored = store.stored("zuora.bulk_job", "Q1")
        assert stored is not None and stored.job.counts.processed == 5


def test_a_one_statement_poll_whose_reply_was_lost_still_reports_its_progress(
    pg_schema_url: str,
) -> None:
    """The UPDATE reached the server and committed, the reply did not come back: the
    store must not repeat it blindly (it would match nothing and report no change),
    but see whether it landed and report the observation it made."""
    from jobadapter.model import Counts
    from jobadapter.store import StoreOutcomeUnknown

    with open_store(pg_schema_url) as store:
        first = Job(
            adapter="zuora.bulk_job", id="Q2", status=R, counts=Counts(total=9, processed=1)
        )
        store.observe(first, observed_at=T0)
        real = store._write_statement  # type: ignore[attr-defined]
        calls: list[str] = []

        def reply_lost_once(sql: str, parameters: Any) -> int:
            changed: int = real(sql, parameters)
            calls.append(sql.split()[0])
            if len(calls) == 1:
                raise StoreOutcomeUnknown("the connection dropped while committing")
            return changed

        store._write_statement = reply_lost_once  # type: ignore[attr-defined]
        moved = Job(
            adapter="zuora.bulk_job", id="Q2", status=R, counts=Counts(total=9, processed=5)
        )
        result = store.observe(moved, observed_at=T0 + dt.timedelta(seconds=1))
        assert result.progressed and result.previous is not None
        assert result.previous.counts.processed == 1 and result.job.counts.processed == 5
        assert calls == ["UPDATE", "SELECT"]
        stored = store.stored("zuora.bulk_job", "Q2")
        assert stored is not None and stored.job.counts.processed == 5
