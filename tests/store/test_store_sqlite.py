"""What only the SQLite store has: where the file lives, WAL, ``PRAGMA user_version``
migrations, a file that is not a database, and a writer waiting on the file lock.
The behaviour every backend shares is in the modules run on each backend
(test_store_snapshots.py, test_store_submissions.py, test_store_concurrency.py...)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from jobadapter.model import Job
from jobadapter.store import (
    SchemaTooNew,
    SqliteStore,
    StoreError,
    default_path,
)
from jobadapter.store.migrations import LATEST, MIGRATIONS, migrate, schema_version
from store_jobs import P, R, S, at, job


@pytest.fixture
def store() -> Any:
    s = SqliteStore(":memory:")
    yield s
    s.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "jobs.sqlite3"


# -- the file: where, migrations, misuse --------------------------------------------------


def test_jobadapter_home_moves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    assert default_path({"JOBADAPTER_HOME": str(home)}) == home / "jobadapter.sqlite3"
    monkeypatch.setenv("JOBADAPTER_HOME", str(home))
    with SqliteStore.default() as s:
        s.observe(job(P), observed_at=at(0))
        assert Path(s.path) == home / "jobadapter.sqlite3"
    assert (home / "jobadapter.sqlite3").is_file()
    monkeypatch.delenv("JOBADAPTER_HOME")
    fallback = default_path({})
    assert fallback.name == "jobadapter.sqlite3" and "jobadapter" in fallback.parent.parts[-1]


def test_file_store_uses_wal_and_the_latest_schema(db_path: Path) -> None:
    with SqliteStore(db_path):
        pass
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert schema_version(conn) == LATEST
    conn.close()


def test_migrates_from_an_empty_file_and_from_an_older_version(db_path: Path) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    assert schema_version(conn) == 0
    assert migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO jobs (adapter, job_id, provider, status, job_time_us, first_seen_us, "
        "last_seen_us, snapshot) VALUES ('zuora.bulk_job', 'B1', 'zuora', 'running', 0, 0, 0, ?)",
        ('{"adapter": "zuora.bulk_job", "id": "B1", "status": "running"}',),
    )
    conn.close()

    with SqliteStore(db_path) as s:
        assert s.get("zuora.bulk_job", "B1") == Job(adapter="zuora.bulk_job", id="B1", status=R)
        s.observe(Job(adapter="zuora.bulk_job", id="B1", status=S), observed_at=at(1))
    conn = sqlite3.connect(db_path)
    assert schema_version(conn) == LATEST == MIGRATIONS[-1].version
    indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"jobs_open", "jobs_time"} <= indexes
    conn.close()
    # Opening again applies nothing twice.
    with SqliteStore(db_path) as s:
        assert s.get("zuora.bulk_job", "B1") == Job(adapter="zuora.bulk_job", id="B1", status=S)


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="upgrade jobadapter"):
        SqliteStore(db_path)


def test_not_a_database_and_closed_store(db_path: Path) -> None:
    db_path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable job store"):
        SqliteStore(db_path)
    s = SqliteStore(":memory:")
    s.close()
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.get("a", "b")


# -- locking ---------------------------------------------------------------------------


def test_a_writer_blocked_too_long_gets_a_typed_error(db_path: Path) -> None:
    with SqliteStore(db_path, timeout=0.01) as s:
        s.observe(job(P), observed_at=at(0))
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match="stayed locked by another process"):
                s.observe(job(R), observed_at=at(1))
            assert s.get("zuora.mass_updater", "J1") == job(P)  # reads still work (WAL)
        finally:
            other.execute("ROLLBACK")
            other.close()
        s.observe(job(R), observed_at=at(2))
        assert s.get("zuora.mass_updater", "J1") == job(R)


def test_home_directory_in_the_path_is_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with SqliteStore("~/data/jobs.sqlite3") as s:
        assert s.path == str(tmp_path / "data" / "jobs.sqlite3")
    assert (tmp_path / "data" / "jobs.sqlite3").is_file()
