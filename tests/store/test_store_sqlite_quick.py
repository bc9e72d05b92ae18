"""SQLite: a poll of an open job that records nothing new is one statement, and
one that fails undoes itself alone (or, when SQLite ends the transaction, the
waiting group with it, and the store carries on from what is committed)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from jobadapter.store import SqliteStore, StoreError
from store_jobs import P, R, counted


def committed(path: Path) -> int | None:
    """The job's counter as another process reads it."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT rows_processed FROM jobs").fetchone()[0]  # type: ignore[no-any-return]
    finally:
        conn.close()


def refuse(path: Path, processed: int, how: str) -> None:
    """Make any write of ``processed`` fail: ``ABORT`` undoes the statement, ``ROLLBACK``
    the whole transaction (as SQLITE_FULL or SQLITE_IOERR may)."""
    conn = sqlite3.connect(path)
    conn.execute(
        f"CREATE TRIGGER refuse BEFORE UPDATE ON jobs WHEN NEW.rows_processed = {processed} "
        f"BEGIN SELECT RAISE({how}, 'refused'); END"
    )
    conn.commit()
    conn.close()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "jobs.sqlite3"


@pytest.mark.parametrize("group_size", [64, 1])
def test_a_poll_of_an_open_job_is_one_statement(path: Path, group_size: int) -> None:
    store = SqliteStore(path, group_size=group_size, group_wait=60)
    try:
        store.observe(counted(P))
        store.observe(counted(R, 1))  # a transition: the general path
        sent: list[str] = []
        store._conn.set_trace_callback(sent.append)  # type: ignore[union-attr]
        for processed in (2, 2, 3):
            store.observe(counted(R, processed))
        store._conn.set_trace_callback(None)  # type: ignore[union-attr]
        # Grouped: the first one opens the group's transaction, the others join it
        # with no savepoint; one at a time, each statement is its own transaction.
        opened = ["BEGIN IMMEDIATE"] if group_size > 1 else []
        assert [sql.split(" SET")[0] for sql in sent] == [*opened, *["UPDATE jobs"] * 3]
        assert store.get("zuora.mass_updater", "J1") == counted(R, 3)
    finally:
        store.close()
    assert committed(path) == 3


def test_a_failed_one_statement_poll_undoes_itself_alone(path: Path) -> None:
    store = SqliteStore(path, group_size=100, group_wait=60)
    try:
        store.observe(counted(P))
        store.observe(counted(R, 1))
        refuse(path, 5, "ABORT")
        store.observe(counted(R, 2))  # waiting
        with pytest.raises(StoreError, match="refused"):
            store.observe(counted(R, 5))
        assert store.get("zuora.mass_updater", "J1") == counted(R, 2)
        store.observe(counted(R, 6))
    finally:
        store.close()
    assert committed(path) == 6


def test_a_one_statement_poll_that_ends_the_transaction_loses_the_group_only(
    path: Path,
) -> None:
    store = SqliteStore(path, group_size=100, group_wait=60)
    try:
        store.observe(counted(P))
        store.observe(counted(R, 1))  # committed
        refuse(path, 5, "ROLLBACK")
        store.observe(counted(R, 2))  # waiting, then lost with the transaction
        with pytest.raises(StoreError, match="refused"):
            store.observe(counted(R, 5))
        assert store.get("zuora.mass_updater", "J1") == counted(R, 1)
        # The store knows the row no longer holds what it wrote last: it reads it again.
        result = store.observe(counted(R, 3))
        assert result.previous == counted(R, 1) and result.job == counted(R, 3)
    finally:
        store.close()
    assert committed(path) == 3
