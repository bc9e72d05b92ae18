"""Reading the bulk APIs' answers: what both adapters look for in the same way.

Zoho wraps a job in ``data`` (a list, sometimes one object) or answers it
bare; users are ``{id, name}``; modules are ``{api_name, id}`` or a plain name.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from jobadapter.errors import InvalidRequest
from jobadapter.model import Job
from jobadapter.status import JobStatus
from jobadapter_zoho_common.answers import entries

from jobadapter_zoho_bulk.zipcsv import csv_member, rows_of

__all__ = ["callback_url", "entries", "name_of", "result_rows"]

if TYPE_CHECKING:
    from jobadapter.connection import Connection


def name_of(value: Any) -> str | None:
    """A user or module as one string: its ``name``/``api_name``, else its ``id``."""
    if isinstance(value, str):
        return value or None
    if value.__class__ is dict or isinstance(value, Mapping):  # dict: no ABC check
        for key in ("api_name", "name", "id"):
            item = value.get(key)
            if item.__class__ is str and item:  # the usual answer, checked first
                return item
            if isinstance(item, (str, int)) and not isinstance(item, bool) and str(item):
                return str(item)
    return None


def callback_url(payload: Mapping[str, Any]) -> str | None:
    """The callback URL an answer names (``callback.url``), if any."""
    callback = payload.get("callback")
    if callback is None:  # the usual answer: no callback asked for
        return None
    url = callback.get("url") if isinstance(callback, Mapping) else None
    return url if isinstance(url, str) and url else None


def result_rows(conn: Connection, job: Job, *, adapter: str) -> Iterator[dict[str, str]]:
    """The rows of a finished job's zipped CSV result, downloaded through ``conn``."""
    if job.status is not JobStatus.SUCCEEDED or not job.result_url:
        raise InvalidRequest(
            f"job {job.id} has no result file yet (status {job.native_status or job.status.value});"
            " results are ready once it is COMPLETED",
            adapter=adapter,
        )
    buffer = io.BytesIO()
    conn.download(job.result_url, buffer)
    yield from rows_of(csv_member(buffer.getvalue()))
