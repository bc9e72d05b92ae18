"""The backends every store test runs on, and a handle to open stores on one of them."""

from __future__ import annotations

from typing import Any

from jobadapter.store import Store, open_store

BACKENDS = ("sqlite", "postgresql")


class Backend:
    """One store location; every store opened here is closed after the test."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        self.url = url
        self._opened: list[Store] = []

    def open(self, **options: Any) -> Store:
        store = open_store(self.url, **options)
        self._opened.append(store)
        return store

    def dump(self, store: Store) -> str:
        """Every row of every table, as text (to look for what must never be kept)."""
        tables = ("jobs", "transitions", "anomalies", "errors", "submissions")
        return repr(
            [
                store._read(lambda conn, t=t: conn.execute(f"SELECT * FROM {t}").fetchall())  # type: ignore[attr-defined]
                for t in tables
            ]
        )

    def close(self) -> None:
        for store in self._opened:
            store.close()
