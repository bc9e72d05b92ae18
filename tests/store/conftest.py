"""Every store test runs on each backend: a SQLite file and a fresh PostgreSQL schema.

``backend`` opens stores on one location (reopening it is a restart);
``store`` is one open store there. PostgreSQL comes from the ``pg_schema_url``
fixture of ``jobadapter.testing`` (a database of this session, a schema of
this test), so runs beside each other never share rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from jobadapter.store import Store
from store_backends import BACKENDS, Backend


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        url = f"sqlite://{tmp_path / 'jobs.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    opened = Backend(request.param, url)
    yield opened
    opened.close()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()
