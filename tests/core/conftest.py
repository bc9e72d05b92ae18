"""Fixtures the core test modules share.

``clock`` here is a :class:`FakeClock` that only tests move (the tracker's inline
watches); the root conftest's simulated clock serves the plugin folders' simulators."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3
from generated_plugin import DISTRIBUTION, NAME, PACKAGE, PLUGIN_MODULE, Generated, invoke
from jobadapter.clock import FakeClock
from jobadapter.model import Counts
from jobadapter.store import SqliteStore
from jobadapter.transport import Timeouts, Transport
from report_data import F, P, R, S, at, put
from sandbox_items import Items


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def no_record_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No recording asked for and no CI flag: cassettes replay as a developer's run does."""
    monkeypatch.delenv("JOBADAPTER_RECORD", raising=False)
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def transport() -> Iterator[Transport]:
    """A transport with short timeouts that never sleeps between tries, closed after."""
    with Transport(timeouts=Timeouts(connect=2.0, read=5.0), sleep=lambda _: None) as t:
        yield t


@pytest.fixture
def pool() -> Iterator[urllib3.PoolManager]:
    """A plain urllib3 client for the sandbox's wire: no retries, a short timeout."""
    with urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=3.0)) as pool:
        yield pool


@pytest.fixture
def sim() -> Items:
    """The sandbox tests' simulator, holding item 1."""
    sim = Items()
    sim.items["1"] = {"id": "1", "name": "first"}
    return sim


@pytest.fixture
def store() -> Any:
    """An empty store in memory, for the report tests."""
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


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    """One plugin generated with the real command, importable from its folder."""
    base = tmp_path_factory.mktemp("plugins")
    path = base / DISTRIBUTION
    result = invoke("new-plugin", NAME, "--dir", str(path))
    assert result.exit_code == 0, result.output
    sys.path.insert(0, str(path))
    try:
        yield Generated(path, importlib.import_module(PLUGIN_MODULE))
    finally:
        sys.path.remove(str(path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
