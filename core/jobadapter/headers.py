"""Case-insensitive header lookup that works on plain dicts as well as urllib3's."""

from __future__ import annotations

from collections.abc import Mapping

from urllib3._collections import HTTPHeaderDict


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` in ``headers``, whatever its case, or None.

    The first value when the header came more than once. An answer's headers are
    urllib3's ``HTTPHeaderDict``, keyed by the lowered name: looked up in one step
    (walking its items is Python code per header, and the tracker asks four names
    of every answer).
    """
    if headers.__class__ is HTTPHeaderDict:
        values = headers.getlist(name)
        return values[0] if values else None
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None
