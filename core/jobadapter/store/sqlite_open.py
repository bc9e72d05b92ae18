"""Opening a SQLite store file: settings, schema, and waiting out another process's lock."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from jobadapter.store.migrations import migrate

MEMORY = ":memory:"


def is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def retry_while_busy(action: Callable[[], None], timeout: float) -> None:
    """Run ``action``, retrying with backoff while another connection holds a lock.

    Needed for opening: switching a new file to WAL does not wait on
    ``busy_timeout`` when another process is doing the same at that moment.
    """
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


def prepare(conn: sqlite3.Connection, path: str, timeout: float, durable: bool) -> None:
    """Connection settings, then the schema; every step is safe to repeat."""
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000):d}")
    if path != MEMORY:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
