"""The fleet's store: PostgreSQL through a psycopg 3 connection pool.

Same schema, statements and behaviour as the SQLite store (both are
:class:`~jobadapter.store.sql_store.SqlStore`); what differs is how writers
are kept apart and what happens when the server goes away:

- Writers run side by side; a read-modify-write first takes a transaction
  advisory lock on the job (or submission) key, so two workers observing
  one job apply their observations one after the other.
- A connection the server dropped (a restart, a failover) is thrown away
  and the work runs again on a fresh one, waiting up to ``timeout`` seconds
  for the server to come back. That is safe because nothing was committed:
  a write is only retried when the connection was lost before its COMMIT
  was sent. Lost during the COMMIT, the outcome is unknown, and the caller
  gets :class:`StoreOutcomeUnknown` rather than a guess. A write that
  cannot complete always raises a :class:`StoreError`; none is dropped.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import psycopg
import psycopg_pool

from jobadapter.store.conn import Conn, Cursor
from jobadapter.store.dialect import POSTGRESQL
from jobadapter.store.errors import StoreError, StoreOutcomeUnknown, ValueOutOfRange
from jobadapter.store.instants import utcnow
from jobadapter.store.postgres_open import migrate
from jobadapter.store.sql_store import SqlStore
from jobadapter.store.url_mask import safe_url

_T = TypeVar("_T")


class _PgConn:
    """A psycopg connection taking the store's ``?``-marked statements."""

    __slots__ = ("_raw",)

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self._raw = raw

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        return self._raw.execute(POSTGRESQL.sql(sql), parameters)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        with self._raw.cursor() as cursor:
            cursor.executemany(POSTGRESQL.sql(sql), parameters)


def _connection_options(url: str) -> dict[str, Any]:
    """Autocommit (writes open their own transactions), and a name for ``pg_stat_activity``."""
    options: dict[str, Any] = {"autocommit": True}
    if "application_name" not in url:
        options["application_name"] = "jobadapter"
    return options


def one_line(exc: BaseException) -> str:
    """The server's message (and its DETAIL) on one line: errors are one line."""
    return " ".join(str(exc).split())


class _Lost(Exception):
    """The server dropped the connection; ``committing``: while the COMMIT was under way."""

    def __init__(self, cause: psycopg.Error, committing: bool) -> None:
        super().__init__(one_line(cause))
        self.cause = cause
        self.committing = committing


class PostgresStore(SqlStore):
    """The job store in a PostgreSQL database, shared by every worker that opens the URL.

    ``url``: a ``postgresql://`` URL (libpq's form; a password in it never
    appears in a repr or an error); ``timeout``: seconds to wait for the
    server (at start, and when it drops connections) before raising
    :class:`StoreError`; ``max_connections``: the pool's size;
    ``now``: the clock used when a caller gives no time.
    """

    dialect = POSTGRESQL

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        max_connections: int = 8,
        now: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        super().__init__(now=now)
        self._write_statement = self._statement
        self.url = safe_url(url)
        self._timeout = timeout
        self._pool: psycopg_pool.ConnectionPool[Any] | None = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs=_connection_options(url),
            open=False,
            name="jobadapter-store",
        )
        try:
            self._pool.open(wait=True, timeout=timeout)
            self._run(lambda raw: migrate(raw, self.url), mode="raw")
        except psycopg_pool.PoolTimeout as exc:
            self.close()
            raise StoreError(
                f"cannot reach the job store {self.url} within {timeout:g}s: is PostgreSQL "
                "running there, and does the database exist?"
            ) from exc
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore({self.url!r})"

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # -- running work ----------------------------------------------------------------

    def _read(self, work: Callable[[Conn], _T]) -> _T:
        return self._run(lambda raw: work(_PgConn(raw)), mode="read")

    def _write(self, work: Callable[[Conn], _T]) -> _T:
        return self._run(lambda raw: work(_PgConn(raw)), mode="write")

    def _snapshot(self, work: Callable[[Conn], _T]) -> _T:
        return self._run(lambda raw: work(_PgConn(raw)), mode="snapshot")

    def _statement(self, sql: str, parameters: Sequence[Any]) -> int:
        """One statement, autocommitted; the rows it changed or read. A connection
        lost after it was sent is StoreOutcomeUnknown (it may have committed); one
        that could not be had is waited for, as for any write."""
        changed: int = self._run(
            lambda raw: _PgConn(raw).execute(sql, parameters).rowcount, mode="statement"
        )
        return changed

    def _run(self, work: Callable[[psycopg.Connection[Any]], _T], *, mode: str) -> _T:
        """``work`` on a pooled connection, again on a fresh one while the server is away."""
        deadline = time.monotonic() + self._timeout
        delay = 0.05
        while True:
            try:
                return self._attempt(work, mode, deadline)
            except _Lost as lost:
                if lost.committing:
                    raise StoreOutcomeUnknown(
                        f"the job store {self.url} dropped the connection while committing a "
                        f"write ({lost}): it may or may not have been saved; read it back "
                        "before repeating it"
                    ) from lost.cause
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"the job store {self.url} kept dropping connections for "
                        f"{self._timeout:g}s ({lost}): nothing was written; try again once "
                        "PostgreSQL is back"
                    ) from lost.cause
            except psycopg_pool.PoolTimeout as exc:
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"cannot reach the job store {self.url} within {self._timeout:g}s: "
                        "nothing was written; try again once PostgreSQL is back"
                    ) from exc
            except psycopg.errors.TransactionRollback as exc:
                # A deadlock or serialization failure rolled everything back: run again.
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"the job store {self.url} kept rolling this write back for "
                        f"{self._timeout:g}s ({one_line(exc)}): nothing was written"
                    ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _attempt(
        self, work: Callable[[psycopg.Connection[Any]], _T], mode: str, deadline: float
    ) -> _T:
        pool = self._pool
        if pool is None:
            raise StoreError("the job store is closed; open a new PostgresStore")
        wait = max(0.1, deadline - time.monotonic())
        with pool.connection(timeout=wait) as raw:
            committing = mode == "statement"  # autocommitted: sent is committing
            try:
                if mode in ("read", "raw", "statement"):
                    return work(raw)
                with raw.transaction():
                    if mode == "snapshot":
                        raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    result = work(raw)
                    committing = mode == "write"
                return result
            except psycopg.errors.TransactionRollback:
                raise
            except psycopg.errors.NumericValueOutOfRange as exc:
                raise ValueOutOfRange(self.url, one_line(exc)) from exc
            except psycopg.OperationalError as exc:
                if raw.broken or raw.closed:
                    raise _Lost(exc, committing) from exc
                raise StoreError(f"the job store {self.url} failed: {one_line(exc)}") from exc
            except psycopg.Error as exc:
                raise StoreError(f"the job store {self.url} failed: {one_line(exc)}") from exc


__all__ = ["PostgresStore"]
