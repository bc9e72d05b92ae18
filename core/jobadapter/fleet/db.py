"""The fleet's own connection to the shared database, for its tables.

The fleet keeps its schedule, leases and shared limits beside the store's
tables, in the same database, so one URL names both: a SQLite file (several
workers on one host) or PostgreSQL (any number of hosts). This module hides
the two dialects' differences: placeholders, ``SKIP LOCKED``, how a write
transaction starts, and waiting out a database that went away.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from jobadapter.errors import ConfigError
from jobadapter.redact import get_logger
from jobadapter.store.urls import store_kind

log = get_logger("fleet")

#: The advisory lock workers take to create the fleet's tables ("jobadapter-fleet").
SCHEMA_LOCK = zlib.crc32(b"jobadapter-fleet")

#: How long a worker waits for the database to come back before giving up a step.
RECONNECT_FOR = 60.0


@attrs.frozen
class Write:
    """One statement (in this database's placeholders) and its parameters, for
    another part to run along with its own write."""

    sql: str
    params: tuple[Any, ...]


class FleetDB:
    """One connection per thread to the store's database; ``transaction()``
    runs a block as one write transaction and retries it while the database
    is unreachable (a restarting PostgreSQL, a locked SQLite file)."""

    def __init__(self, url: str | None) -> None:
        """``url``: the store's, in any form :func:`~jobadapter.store.open_store` takes."""
        self.postgres = store_kind(url) == "postgresql"
        #: The PostgreSQL URL (with its password: never log it), or the SQLite file.
        self._target = str(url) if self.postgres else self._sqlite_file(url)
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<FleetDB {'postgresql' if self.postgres else 'sqlite'}>"

    @staticmethod
    def _sqlite_file(url: str | None) -> str:
        """The file the store at ``url`` uses: asked of the store itself, so both agree."""
        from jobadapter.store import SqliteStore, open_store

        store = open_store(url)
        try:
            if not isinstance(store, SqliteStore) or store.path == ":memory:":
                raise ConfigError("the fleet needs a store on disk or on PostgreSQL, not in memory")
            return store.path
        finally:
            store.close()

    def sql(self, text: str) -> str:
        """``text`` written with ``?`` placeholders, in this dialect."""
        return text.replace("?", "%s") if self.postgres else text

    def _connect(self) -> Any:
        if self.postgres:
            import psycopg

            return psycopg.connect(self._target, autocommit=True, connect_timeout=5)
        conn = sqlite3.connect(self._target, timeout=30.0, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        return conn

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    @contextlib.contextmanager
    def _begin(self, single: bool = False) -> Iterator[Any]:
        conn = self._conn()
        cur = conn.cursor()
        if single:  # one statement is its own transaction: no BEGIN/COMMIT round trips
            yield cur
            return
        cur.execute("BEGIN" if self.postgres else "BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            with contextlib.suppress(Exception):
                cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    def run(self, work: Any, *, patience: float = RECONNECT_FOR, single: bool = False) -> Any:
        """``work(cursor)`` in one transaction; on a lost connection, reconnect
        and run it again (it must be safe to repeat: every fleet step is).
        ``single``: ``work`` runs one statement, atomic on its own (autocommit),
        which saves the BEGIN and COMMIT round trips on the hot path."""
        give_up = time.monotonic() + patience
        delay = 0.1
        while True:
            try:
                with self._begin(single) as cur:
                    return work(cur)
            except Exception as exc:
                if not self._transient(exc) or time.monotonic() >= give_up:
                    raise
                log.warning("fleet database unavailable (%s); retrying", type(exc).__name__)
                self._drop()
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def write(self, write: Write) -> None:
        """Run one statement on its own (autocommit)."""
        self.run(lambda cur: cur.execute(write.sql, write.params), single=True)

    def _transient(self, exc: Exception) -> bool:
        if isinstance(exc, sqlite3.OperationalError):
            text = str(exc).lower()
            return "locked" in text or "busy" in text
        if self.postgres:
            import psycopg

            lost = (psycopg.OperationalError, psycopg.InterfaceError)
            return isinstance(exc, (*lost, psycopg.errors.SerializationFailure))
        return False

    def create(self, statements: Sequence[str]) -> None:
        """Run ``CREATE ... IF NOT EXISTS`` statements; on PostgreSQL under one
        advisory lock, since two workers creating the same table at once collide."""

        def work(cur: Any) -> None:
            if self.postgres:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            for statement in statements:
                cur.execute(statement)

        self.run(work)

    def executemany(self, cur: Any, text: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            cur.executemany(self.sql(text), rows)

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()
