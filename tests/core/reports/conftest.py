"""The report tests' stores: an empty one in memory, and one holding mixed outcomes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jobadapter.model import Counts
from jobadapter.store import SqliteStore
from report_data import F, P, R, S, at, put


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    """An empty store in memory, closed after."""
    s = SqliteStore(":memory:")
    yield s
    s.close()


@pytest.fixture
def mixed(store: SqliteStore) -> SqliteStore:
    """Four adapters, two providers, mixed outcomes (row failures under SUCCEEDED too)."""
    put(
        store,
        "zuora.mass_updater",
        "m1",
        S,
        operation="update",
        profile="zu",
        counts=Counts(total=100, processed=100, succeeded=95, failed=5),
        created_at=at(0),
        started_at=at(10),
        ended_at=at(70),
    )
    put(
        store,
        "zuora.mass_updater",
        "m2",
        F,
        operation="update",
        profile="zu",
        counts=Counts(total=10, processed=10, succeeded=0, failed=10),
        created_at=at(0),
        ended_at=at(30),
    )
    put(
        store,
        "zuora.mass_updater",
        "m3",
        R,
        operation="delete",
        profile="zu",
        counts=Counts(total=50, processed=20),
        created_at=at(5),
    )
    put(
        store,
        "zuora.bulk_job",
        "b1",
        S,
        operation="query",
        profile="zu2",
        counts=Counts(total=7, processed=7, succeeded=7, failed=0),
        created_at=at(0),
        started_at=at(0),
        ended_at=at(3),
    )
    put(
        store,
        "zuora.custom_object_job",
        "c1",
        S,
        operation="create",
        profile="zu",
        counts=Counts(processed=40, failed=2),
        created_at=at(0),
        ended_at=at(8),
    )
    put(store, "zoho.mass_update", "z1", P, operation=None, profile="zo")
    return store
