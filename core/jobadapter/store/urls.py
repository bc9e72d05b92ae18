"""Choosing a store by URL: the one place that turns ``--store``/``JOBADAPTER_STORE`` into a Store.

Accepted forms:

- nothing (None or empty): the default SQLite file, ``$JOBADAPTER_HOME/jobadapter.sqlite3``
  (else the user data dir's);
- a bare path, or ``sqlite://`` followed by one (``sqlite:///var/lib/ja.sqlite3``;
  ``sqlite:///:memory:`` for a throwaway store);
- ``postgresql://user@host[:port]/db`` (or ``postgres://``), with any libpq
  parameters in the query string: the shared store of a fleet. Needs the
  ``jobadapter[postgresql]`` extra.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from jobadapter.store.errors import BadStoreURL
from jobadapter.store.url_mask import safe_url

if TYPE_CHECKING:
    from jobadapter.store.base import Store

FORMS = "a file path, sqlite:///path/to/file.sqlite3 or postgresql://user@host/db"

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_POSTGRES = ("postgresql", "postgres")


def store_kind(url: str | os.PathLike[str] | None) -> str:
    """``"sqlite"`` or ``"postgresql"``: which backend ``url`` names (raises on a bad URL)."""
    return _parse(url)[0]


def sqlite_path(url: str | os.PathLike[str] | None) -> str | None:
    """The SQLite file ``url`` names (None for the default file or a PostgreSQL URL)."""
    kind, location = _parse(url)
    return location if kind == "sqlite" and location != ":memory:" else None


def _parse(url: str | os.PathLike[str] | None) -> tuple[str, str | None]:
    """``(kind, location)``: the SQLite path (None for the default) or the PostgreSQL URL."""
    if url is None:
        return "sqlite", None
    text = os.fspath(url)
    if not text.strip():
        return "sqlite", None
    match = _SCHEME.match(text)
    if match is None:
        return "sqlite", text  # a path
    scheme = match.group(1).lower()
    if scheme == "sqlite":
        if not text[len(scheme) :].startswith("://") or not text[len(scheme) + 3 :]:
            raise BadStoreURL(f"store URL {text!r} names no file: use {FORMS}")
        path = text[len(scheme) + 3 :]
        return "sqlite", ":memory:" if path == "/:memory:" else path
    if scheme in _POSTGRES:
        if not text[len(scheme) :].startswith("://"):
            raise BadStoreURL(f"store URL {safe_url(text)!r} is malformed: use {FORMS}")
        return "postgresql", text
    if len(scheme) == 1:
        return "sqlite", text  # a Windows drive letter: C:\\...
    raise BadStoreURL(f"no store for URL scheme {scheme!r} in {safe_url(text)!r}: use {FORMS}")


def open_store(url: str | os.PathLike[str] | None = None, **options: Any) -> Store:
    """The store ``url`` names, opened (and migrated); ``options`` go to its constructor.

    Mistyped URLs raise :class:`~jobadapter.store.errors.BadStoreURL` naming the
    accepted forms.
    """
    kind, location = _parse(url)
    if kind == "postgresql":
        assert location is not None
        try:
            from jobadapter.store.postgres import PostgresStore
        except ImportError as exc:
            raise BadStoreURL(
                f"a postgresql:// store needs psycopg: pip install 'jobadapter[postgresql]' ({exc})"
            ) from exc
        return PostgresStore(location, **options)
    from jobadapter.store.sqlite import SqliteStore

    if location is None:
        return SqliteStore.default(**options)
    return SqliteStore(location, **options)


__all__ = ["FORMS", "open_store", "safe_url", "sqlite_path", "store_kind"]
