"""One idempotency key per logical submission: read it from a request, set it
on one, and keep a JSON-safe summary of the request beside it in the store.

Shared by ``hub.submit`` and reconcile (which resends with the same key), so
neither needs the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs


def request_idempotency_key(request: Any) -> str | None:
    """The idempotency key a request already carries, if any."""
    value = (
        request.get("idempotency_key")
        if isinstance(request, Mapping)
        else getattr(request, "idempotency_key", None)
    )
    return value if isinstance(value, str) and value else None


def with_idempotency_key(request: Any, key: str) -> Any:
    """``request`` carrying ``key``: attrs requests with the field, and mappings, get it."""
    if isinstance(request, Mapping):
        return {**request, "idempotency_key": key}
    if attrs.has(type(request)) and "idempotency_key" in attrs.fields_dict(type(request)):
        return attrs.evolve(request, idempotency_key=key)
    return request


def summarise_request(request: Any) -> dict[str, Any]:
    """A JSON-safe summary of a request for the store (file contents left out)."""
    if attrs.has(type(request)):
        data = attrs.asdict(request, recurse=False)
    elif isinstance(request, Mapping):
        data = dict(request)
    else:
        return {"request": type(request).__name__}
    return {str(k): _summary_value(v) for k, v in data.items()}


def _summary_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value if not isinstance(value, str) or len(value) <= 200 else value[:200] + "..."
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _summary_value(v) for k, v in list(value.items())[:50]}
    if isinstance(value, (list, tuple)):
        return [_summary_value(v) for v in value[:50]]
    return f"<{type(value).__name__}>"
