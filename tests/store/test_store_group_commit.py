"""SQLite group commit: counter-only observations wait together; history never waits.

What another connection (another process) sees is read through a plain
sqlite3 connection on the same file; what a SIGKILL keeps, from a child process
killed with observations waiting.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jobadapter.store import SqliteStore, SubmissionExists
from store_jobs import P, R, counted


def seen_elsewhere(path: Path) -> tuple[str, int | None]:
    """The job's status and counter as another process reads them (committed only)."""
    conn = sqlite3.connect(path)
    try:
        row = conn.execute("SELECT status, rows_processed FROM jobs").fetchone()
    finally:
        conn.close()
    return row[0], row[1]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "jobs.sqlite3"


def test_counters_wait_while_transitions_commit_at_once(path: Path) -> None:
    store = SqliteStore(path, group_size=100, group_wait=60)
    try:
        store.observe(counted(P))
        store.observe(counted(R, 5))
        assert seen_elsewhere(path) == ("running", 5)  # a transition: committed
        store.observe(counted(R, 9))
        assert seen_elsewhere(path) == ("running", 5)  # counters only: waiting
        assert store.get("zuora.mass_updater", "J1") == counted(R, 9)  # this process sees it
    finally:
        store.close()
    assert seen_elsewhere(path) == ("running", 9)  # close commits the group


def test_a_full_group_commits(path: Path) -> None:
    store = SqliteStore(path, group_size=3, group_wait=60)
    try:
        store.observe(counted(R, 1))
        for processed in (2, 3):
            store.observe(counted(R, processed))
            assert seen_elsewhere(path) == ("running", 1)
        store.observe(counted(R, 4))  # the third waiting one fills the group
        assert seen_elsewhere(path) == ("running", 4)
    finally:
        store.close()


def test_a_waiting_group_commits_after_group_wait(path: Path) -> None:
    store = SqliteStore(path, group_size=100, group_wait=0.05)
    try:
        store.observe(counted(R, 1))
        store.observe(counted(R, 2))
        deadline = time.monotonic() + 10
        while seen_elsewhere(path) != ("running", 2):
            assert time.monotonic() < deadline, "the timer never committed the group"
            time.sleep(0.02)
        assert store.timer_commits == 1
    finally:
        store.close()


def test_a_failed_write_rolls_back_alone(path: Path) -> None:
    store = SqliteStore(path, group_size=100, group_wait=60)
    try:
        store.record_submission(
            adapter="zuora.mass_updater", profile=None, idempotency_key="k", request_summary={}
        )
        store.observe(counted(R, 1))
        store.observe(counted(R, 2))  # waiting
        with pytest.raises(SubmissionExists):
            store.record_submission(
                adapter="zuora.mass_updater", profile=None, idempotency_key="k", request_summary={}
            )
        store.observe(counted(R, 3))
    finally:
        store.close()
    assert seen_elsewhere(path) == ("running", 3)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone() == (1,)
    conn.close()


CHILD = """
import json, os, signal, sys
from jobadapter.model import Counts, Job
from jobadapter.status import JobStatus
from jobadapter.store import SqliteStore

store = SqliteStore(sys.argv[1], group_size=100, group_wait=60)
def job(status, processed):
    return Job(adapter="zuora.mass_updater", id="J1", status=status,
               counts=Counts(total=100, processed=processed))
store.observe(job(JobStatus.PENDING, 0))
store.observe(job(JobStatus.RUNNING, 10))
for processed in (20, 30, 40):
    store.observe(job(JobStatus.RUNNING, processed))
print(json.dumps("observed"), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_sigkill_loses_waiting_counters_never_transitions(path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert json.loads(child.stdout) == "observed"
    store = SqliteStore(path)
    try:
        history = [t.new_status for t in store.transitions("zuora.mass_updater", "J1")]
        assert history == [P, R]
        # The counters that waited are gone: the job reads as of its last transition,
        # and the next poll reads the provider's counters again.
        assert store.get("zuora.mass_updater", "J1") == counted(R, 10)
    finally:
        store.close()


@pytest.mark.parametrize("size, wait", [(0, 0.1), (4, 0.0)])
def test_group_settings_are_checked(path: Path, size: int, wait: float) -> None:
    with pytest.raises(ValueError, match="group commit needs"):
        SqliteStore(path, group_size=size, group_wait=wait)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_forked_child_writes_through_its_own_connection_and_ticker(path: Path) -> None:
    # A store opened before a fork (a prefork worker pool): the parent's waiting
    # group is committed before the fork, the child opens a connection of its own,
    # and its waiting counters are committed by a ticker of its own (the parent's
    # thread does not exist in the child).
    store = SqliteStore(path, group_size=100, group_wait=0.05)
    try:
        store.observe(counted(P))
        store.observe(counted(R, 5))
        store.observe(counted(R, 7))  # waiting in the parent's group
        child = os.fork()
        if child == 0:  # pragma: no cover (runs in the child)
            code = 1
            try:
                store.observe(counted(R, 9))  # counters only: waits for the child's ticker
                time.sleep(0.5)
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert seen_elsewhere(path) == ("running", 9)
    finally:
        store.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_store_closed_in_a_forked_child_stays_closed(path: Path) -> None:
    from jobadapter.store import StoreError

    store = SqliteStore(path)
    try:
        store.observe(counted(P))
        child = os.fork()
        if child == 0:  # pragma: no cover (runs in the child)
            code = 1
            try:
                store.close()
                store.get("zuora.mass_updater", "J1")
            except StoreError:
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        store.close()


def test_two_threads_forking_at_once_leave_the_store_usable(path: Path) -> None:
    # The at-fork hooks of two forks in two threads interleave (a hook waits on a
    # store's lock with the GIL released): each must release what it locked.
    import threading

    from jobadapter.store import sqlite as hooks

    store = SqliteStore(path)
    store.observe(counted(P))
    first_done, second_done, checked = threading.Event(), threading.Event(), threading.Event()

    def second_fork() -> None:
        hooks._before_fork()
        first_done.wait(5)  # one order the two forks' hooks can run in
        hooks._after_fork(False)
        second_done.set()
        checked.wait(10)  # alive until then: a thread's ident can be reused by the next

    hooks._before_fork()  # the first fork begins
    other = threading.Thread(target=second_fork, daemon=True)
    other.start()
    time.sleep(0.1)
    hooks._after_fork(False)  # the first fork's parent side
    first_done.set()
    assert second_done.wait(5)
    used: list[bool] = []

    def use() -> None:
        used.append(store.get("zuora.mass_updater", "J1") is not None)
        store.close()

    user = threading.Thread(target=use, daemon=True)  # a lock left held would hang it
    user.start()
    user.join(5)
    checked.set()
    assert used == [True]
