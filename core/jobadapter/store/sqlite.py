"""The default store: one SQLite file in WAL mode, safe for several threads and processes.

Every write is one ``BEGIN IMMEDIATE`` transaction (the write lock is taken
before reading, so a read-modify-write such as :meth:`SqliteStore.observe`
cannot interleave with another process's); ``busy_timeout`` makes the
other writer wait instead of failing. Within a process one connection is
shared behind a lock, which also makes ``":memory:"`` work for tests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from jobadapter.store.conn import Conn
from jobadapter.store.dialect import SQLITE
from jobadapter.store.errors import StoreError, ValueOutOfRange
from jobadapter.store.group_commit import GROUP_SIZE, GROUP_WAIT, GroupCommit
from jobadapter.store.instants import utcnow
from jobadapter.store.sql_store import SqlStore
from jobadapter.store.sqlite_open import MEMORY, is_busy, prepare, retry_while_busy

FILENAME = "jobadapter.sqlite3"


def _always(_result: object) -> bool:
    return True


def _never(_result: object) -> bool:
    return False


_T = TypeVar("_T")


def default_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$JOBADAPTER_HOME/jobadapter.sqlite3``, else the user data dir's."""
    env = os.environ if environ is None else environ
    home = env.get("JOBADAPTER_HOME")
    if home:
        return Path(home).expanduser() / FILENAME
    import platformdirs  # only when $JOBADAPTER_HOME does not say

    return Path(platformdirs.user_data_dir("jobadapter", appauthor=False)) / FILENAME


class SqliteStore(SqlStore):
    """The job store in one SQLite file (or ``":memory:"``).

    ``timeout``: seconds a writer waits for another (``busy_timeout``);
    ``durable``: fsync every commit (``synchronous=FULL``) so even a power
    cut loses nothing; the default (``NORMAL`` in WAL) loses nothing when a
    process crashes or is killed, which is what a restart needs;
    ``now``: the clock used when a caller gives no time (tests inject one);
    ``group_size``/``group_wait``: observations that record no transition or
    anomaly are committed together, up to that many or that many seconds
    later (:mod:`jobadapter.store.group_commit` says what a crash can lose);
    ``group_size=1`` commits every observation on its own.
    """

    dialect = SQLITE

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = 30.0,
        durable: bool = False,
        now: Callable[[], dt.datetime] = utcnow,
        group_size: int = GROUP_SIZE,
        group_wait: float = GROUP_WAIT,
    ) -> None:
        self.path = str(path) if str(path) == MEMORY else str(Path(path).expanduser())
        super().__init__(now=now)
        self._timeout = timeout
        self._lock = threading.RLock()
        self._group = GroupCommit(group_size, group_wait, self._flush)
        self._write_statement = self._statement
        self._durable = durable
        #: Set in a forked child: the connection is opened again on first use.
        self._forked = False
        self._conn: sqlite3.Connection | None = self._connect()
        _LIVE.add(self)

    def _connect(self) -> sqlite3.Connection:
        timeout, durable = self._timeout, self._durable
        if self.path != MEMORY:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the job store {self.path}: {exc}") from exc
        try:
            retry_while_busy(lambda: prepare(conn, self.path, timeout, durable), timeout)
        except sqlite3.OperationalError as exc:
            conn.close()
            if is_busy(exc):
                raise StoreError(
                    f"the job store {self.path} stayed locked by another process for "
                    f"{timeout:g}s: try again, or raise the timeout"
                ) from exc
            raise StoreError(f"cannot use the job store {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(
                f"{self.path} is not a usable job store ({exc}): "
                "move it away or set JOBADAPTER_HOME"
            ) from exc
        except BaseException:
            conn.close()
            raise
        return conn

    def _before_fork(self) -> None:
        """Fork with no write waiting and no statement running: commit the group and
        hold the lock until the fork is done (released in both processes after it)."""
        self._lock.acquire()
        if self._conn is not None:
            self._flush()

    def _after_fork_in_parent(self) -> None:
        self._lock.release()

    def _after_fork_in_child(self) -> None:
        """SQLite connections must not cross a fork: the child opens its own on first
        use. The inherited one holds no transaction (see :meth:`_before_fork`), so
        closing it here gives nothing of the parent's up; a ``":memory:"``
        database is the child's own copy, so it is kept."""
        self._lock = threading.RLock()
        self._group.start_afresh()
        conn = self._conn
        if conn is None or self.path == MEMORY:
            return
        self._conn, self._forked = None, True
        with contextlib.suppress(sqlite3.Error):
            conn.close()

    @classmethod
    def default(cls, *, environ: Mapping[str, str] | None = None, **options: Any) -> SqliteStore:
        """The store at :func:`default_path` (``$JOBADAPTER_HOME`` or the user data dir)."""
        return cls(default_path(environ), **options)

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    # -- plumbing --------------------------------------------------------------------

    def _read(self, work: Callable[[Conn], _T]) -> _T:
        with self._reading() as conn:
            return work(conn)

    def _write(self, work: Callable[[Conn], _T]) -> _T:
        return self._transact(work, _always)

    def _write_grouped(self, work: Callable[[Conn], _T], durable: Callable[[_T], bool]) -> _T:
        return self._transact(work, durable if self._group.enabled else _always)

    def _snapshot(self, work: Callable[[Conn], _T]) -> _T:
        """Reads in one (deferred) transaction, so they all see the same moment."""
        with self._reading() as conn:
            if self._group.pending:
                # Inside our own open write transaction: no other writer can move.
                return work(conn)
            conn.execute("BEGIN")
            try:
                return work(conn)
            finally:
                conn.execute("COMMIT")

    def _reading(self) -> _Using:
        """The connection, for this thread alone; database errors come out typed."""
        return _Using(self)

    def _typed(self, exc: BaseException) -> BaseException | None:
        """The StoreError a database error raised while using the connection becomes."""
        if isinstance(exc, sqlite3.OperationalError) and is_busy(exc):
            return StoreError(
                f"the job store {self.path} stayed locked by another process for "
                f"{self._timeout:g}s: try again, or raise the timeout"
            )
        if isinstance(exc, sqlite3.Error):
            return StoreError(f"the job store {self.path} failed: {exc}")
        if isinstance(exc, OverflowError):
            return ValueOutOfRange(self.path, exc)
        return None

    def _statement(self, sql: str, parameters: Sequence[Any]) -> int:
        """One statement that records nothing new (:mod:`observe_quick`), grouped like
        such an observation; the rows it changed. It needs no savepoint: SQLite undoes
        a failed statement alone, or (on errors such as SQLITE_FULL or SQLITE_IOERR)
        the whole transaction, which :meth:`_undo` then notices."""
        if not self._group.enabled:
            with self._reading() as conn:  # autocommitted: its own transaction
                changed: int = conn.execute(sql, parameters).rowcount
            return changed
        changed = self._transact(
            lambda conn: conn.execute(sql, parameters).rowcount, _never, alone=True
        )
        return changed

    def _transact(
        self, work: Callable[[Conn], _T], durable: Callable[[_T], bool], *, alone: bool = False
    ) -> _T:
        """One atomic write: the write lock is taken first, then everything or nothing.

        Committed at once when ``durable(result)``; otherwise it may wait for the
        group (a savepoint inside the group's open transaction keeps each write
        all-or-nothing on its own; ``alone``: ``work`` is one statement, atomic
        by itself, so it needs none).
        """
        with self._reading() as conn:
            nested = self._group.pending > 0
            savepoint = nested and not alone
            if savepoint:
                conn.execute("SAVEPOINT grouped")
            elif not nested:
                conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
                if savepoint:
                    conn.execute("RELEASE grouped")
            except BaseException:
                self._undo(conn, savepoint=savepoint, statement=nested and alone)
                raise
            if durable(result) or self._group.hold():
                conn.execute("COMMIT")
                self._group.committed()
            return result

    def _undo(self, conn: sqlite3.Connection, *, savepoint: bool, statement: bool) -> None:
        """Roll back the failed write alone (the group waiting before it stays).

        ``statement``: the write was one statement in the group's transaction,
        which SQLite has undone itself unless it ended the transaction. (Interrupted
        after it ran, it stays, whole, in the group.)
        """
        if savepoint:
            try:
                conn.execute("ROLLBACK TO grouped")
                conn.execute("RELEASE grouped")
                return
            except sqlite3.Error:
                pass  # SQLite rolled the whole transaction back itself
        elif statement and conn.in_transaction:
            return
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        self._group.committed()

    @property
    def timer_commits(self) -> int:
        """How many waiting groups the ticker committed (off the caller's thread)."""
        return self._group.timer_commits

    def _flush(self) -> None:
        """Commit the waiting group (the timer's call, and close's)."""
        with self._lock:
            if self._conn is None or not self._group.pending:
                return
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error:
                return  # still open: the next write commits it, or close rolls it back
            self._group.committed()

    def close(self) -> None:
        with self._lock:
            self._forked = False  # closed in a forked child: not opened again on use
            if self._conn is None:
                return
            self._group.stop()
            self._flush()
            # Best effort: a busy database is no reason to fail a close.
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA analysis_limit = 1000")  # keeps optimize quick
                self._conn.execute("PRAGMA optimize")
            self._conn.close()
            self._conn = None


class _Using:
    """``with store._reading() as conn``: the store's lock held, its connection opened
    again in a forked child. A class, not a generator: every call goes through it."""

    __slots__ = ("_lock", "_store")

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self._lock = store._lock

    def __enter__(self) -> sqlite3.Connection:
        store = self._store
        self._lock.acquire()
        try:
            if store._conn is None:
                if not store._forked:
                    raise StoreError("the job store is closed; open a new SqliteStore")
                store._conn, store._forked = store._connect(), False
        except BaseException:
            self._lock.release()
            raise
        return store._conn

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            typed = None if exc is None else self._store._typed(exc)
            if typed is not None:
                raise typed from exc
        finally:
            self._lock.release()


#: Every SqliteStore alive, so a fork can be made safe for each (see ``_before_fork``).
_LIVE: weakref.WeakSet[SqliteStore] = weakref.WeakSet()
#: The stores the fork in progress locked (the same ones in parent and child).
_FORKING: list[SqliteStore] = []
#: One fork at a time between its before and after hooks: two threads forking at
#: once would otherwise share ``_FORKING`` and leave a store's lock held.
_ONE_FORK = threading.Lock()


def _before_fork() -> None:
    _ONE_FORK.acquire()
    _FORKING[:] = list(_LIVE)
    for store in _FORKING:
        store._before_fork()


def _after_fork(in_child: bool) -> None:
    global _ONE_FORK
    for store in _FORKING:
        if in_child:
            store._after_fork_in_child()
        else:
            store._after_fork_in_parent()
    _FORKING.clear()
    if in_child:
        _ONE_FORK = threading.Lock()  # the child has one thread: the forking one
    else:
        _ONE_FORK.release()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_before_fork,
        after_in_parent=lambda: _after_fork(False),
        after_in_child=lambda: _after_fork(True),
    )

__all__ = ["FILENAME", "MEMORY", "SqliteStore", "default_path"]
