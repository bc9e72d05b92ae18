"""Reading Zoho's answers: the one way every Zoho adapter unwraps ``data``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def entries(payload: Mapping[str, Any]) -> list[Any]:
    """``data`` as a list: Zoho sends an array, some answers (and one spec wrapper) a
    single object."""
    data = payload.get("data")
    if data is None:  # a bare answer: no ABC check for it
        return []
    if isinstance(data, list):
        return data
    if data.__class__ is dict or isinstance(data, Mapping):
        return [data]
    return []
