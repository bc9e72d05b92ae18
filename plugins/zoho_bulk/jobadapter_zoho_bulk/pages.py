"""Every page of an export: one bulk read job per page, followed while ``more_records``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from jobadapter.errors import InvalidRequest
from jobadapter.status import JobStatus

from jobadapter_zoho_bulk.bulk_read import BulkReadAdapter
from jobadapter_zoho_bulk.requests import BulkReadRequest

if TYPE_CHECKING:
    from jobadapter import Hub

ADAPTER = BulkReadAdapter.name


def read_pages(
    hub: Hub,
    request: BulkReadRequest,
    *,
    profile: str | None = None,
    max_pages: int = 1000,
    **wait: Any,
) -> Iterator[dict[str, Any]]:
    """Submit ``request``, wait for it, yield its rows, and go on to the next page
    while the result says ``more_records`` (``wait``: ``hub.wait``'s keywords)."""
    adapter = hub.adapter(ADAPTER, profile=profile)
    assert isinstance(adapter, BulkReadAdapter)
    next_request: BulkReadRequest | None = request
    for _ in range(max_pages):
        if next_request is None:
            return
        job = hub.submit(ADAPTER, next_request, profile=profile)
        job = hub.wait(ADAPTER, job.id, profile=profile, **wait)
        if job.status is not JobStatus.SUCCEEDED:
            raise InvalidRequest(
                f"bulk read job {job.id} ended {job.native_status}; its page has no rows",
                adapter=ADAPTER,
            )
        yield from hub.results(ADAPTER, job.id, profile=profile)
        next_request = adapter.next_request(job)
    raise InvalidRequest(f"stopped after {max_pages} pages; raise max_pages to read on")
