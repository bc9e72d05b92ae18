"""Throwaway PostgreSQL databases and schemas for tests that talk to a real server.

Each test session gets its own database with a random name (created with
``CREATE DATABASE``, dropped at the end), so parallel runs and xdist workers
on one server never see each other's rows; each test can take a fresh
schema inside it (cheaper than a database) with :func:`fresh_schema`.

The server is ``$JOBADAPTER_TEST_POSTGRES`` (a libpq URL naming a database
to connect to for ``CREATE DATABASE``), else
``postgresql://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from urllib.parse import quote, urlsplit, urlunsplit

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    """The maintenance URL tests create their databases through."""
    return os.environ.get("JOBADAPTER_TEST_POSTGRES") or DEFAULT_SERVER


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _admin(url: str) -> object:
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"these tests need PostgreSQL at {url} (set JOBADAPTER_TEST_POSTGRES, or start "
            f"it with `make services`): {exc}"
        ) from exc


@contextlib.contextmanager
def fresh_database(url: str | None = None, *, prefix: str = "jobadapter_test") -> Iterator[str]:
    """A new, empty database (random name) on ``url``'s server; its URL; dropped after."""
    import psycopg
    from psycopg import sql

    base = url or server_url()
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = _admin(base)
    assert isinstance(admin, psycopg.Connection)
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield _with_database(base, name)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def fresh_schema(database_url: str, *, prefix: str = "t") -> Iterator[str]:
    """A new schema (random name) in ``database_url``; a URL whose tables land there; dropped after."""
    import psycopg
    from psycopg import sql

    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        try:
            parts = urlsplit(database_url)
            option = quote(f"-csearch_path={name}", safe="")
            query = f"{parts.query}&options={option}" if parts.query else f"options={option}"
            yield urlunsplit(parts._replace(query=query))
        finally:
            admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
