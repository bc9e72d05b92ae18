"""The report groups a job under the provider its adapter declares, not its name's prefix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from jobadapter import Job, JobStatus
from jobadapter.adapter import Adapter, provider_of
from jobadapter.reports.query import report
from jobadapter.statuses import StatusTable
from jobadapter.store import SqliteStore


class CrmExport(Adapter):
    name: ClassVar[str] = "acme.crm_export"
    provider: ClassVar[str] = "acme_bulk"  # a provider that is not the name's first part
    statuses: ClassVar[StatusTable] = StatusTable({JobStatus.SUCCEEDED: ("DONE",)}, owner=name)
    capabilities: ClassVar[frozenset[str]] = frozenset()


def test_provider_of_is_the_adapters_own() -> None:
    assert provider_of("acme.crm_export") == "acme_bulk"
    assert provider_of("nobody.loaded") == "nobody"  # no such class: the name's first part


def test_the_report_shows_the_adapters_provider(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "jobs.sqlite3")
    try:
        store.observe(Job(adapter=CrmExport.name, id="1", status=JobStatus.SUCCEEDED))
        groups = json.loads(report(store, "json"))["groups"]
    finally:
        store.close()
    assert [(g["provider"], g["adapter"]) for g in groups] == [("acme_bulk", "acme.crm_export")]
