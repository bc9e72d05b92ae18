"""Reports are computed in the database, and both databases give byte-identical numbers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from jobadapter.reports import build_report, make_query
from jobadapter.store import Store, report_sql
from store_backends import BACKENDS, Backend
from store_data import ADAPTERS, T0, fill

NOW = dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)
QUERIES = (
    {},
    {"group_by": ("provider",)},
    {"group_by": ()},
    {"group_by": ("profile", "operation")},
    {"group_by": ("target", "adapter")},
    {"status": ["succeeded", "failed"], "since": T0 + dt.timedelta(seconds=20)},
    {"profile": "Tenant-b", "adapter": list(ADAPTERS[:2]), "until": NOW},
    {"status": []},
)


def reports(store: Store) -> list[str]:
    return [
        json.dumps(build_report(store, now=NOW, **query).to_dict(), sort_keys=True)  # type: ignore[arg-type]
        for query in QUERIES
    ]


def test_both_databases_report_byte_identical_numbers(pg_schema_url: str, tmp_path: object) -> None:
    texts = {}
    for kind in BACKENDS:
        url = f"sqlite://{tmp_path}/parity.sqlite3" if kind == "sqlite" else pg_schema_url
        backend = Backend(kind, url)
        try:
            store = backend.open()
            fill(store)
            texts[kind] = reports(store)
        finally:
            backend.close()
    for query, sqlite_text, pg_text in zip(
        QUERIES, texts["sqlite"], texts["postgresql"], strict=True
    ):
        assert sqlite_text == pg_text, query
    first = json.loads(texts["sqlite"][0])
    assert first["total"]["jobs"] == 300
    assert first["total"]["rows"]["total"] > 2**41  # summed in 64 bits, not as floats
    assert first["total"]["duration_seconds"]["count"] > 0
    assert first["total"]["errors"] > 0 and first["total"]["anomalies"] > 0
    grouped = json.loads(texts["sqlite"][3])["groups"]
    assert grouped[0]["profile"] is None  # NULLs first on both databases


@pytest.mark.parametrize("query", QUERIES[:6], ids=range(6))
def test_index_walks_and_window_pass_agree(backend: Backend, query: dict[str, object]) -> None:
    store = backend.open()
    fill(store, seed=5, jobs=120)
    made = make_query(now=NOW, **query)  # type: ignore[arg-type]
    results = [
        store._snapshot(  # type: ignore[attr-defined]
            lambda conn, use=use: report_sql.aggregate(conn, made, store.dialect, use_index=use)  # type: ignore[attr-defined]
        )
        for use in (True, False)
    ]
    assert results[0] == results[1]
