"""Case-insensitive header lookup that works on plain dicts as well as urllib3's."""

from __future__ import annotations

import sys
from collections.abc import Mapping

#: urllib3's ``HTTPHeaderDict``, once urllib3 is imported. Not imported here: the
#: errors every module raises use this file, and a command that sends no request
#: (``jobadapter plugins``) should not pay for urllib3. No answer can be one before
#: urllib3 is imported, so looking it up in ``sys.modules`` until then is exact.
_header_dict: type | None = None


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` in ``headers``, whatever its case, or None.

    The first value when the header came more than once. An answer's headers are
    urllib3's ``HTTPHeaderDict``, keyed by the lowered name: looked up in one step
    (walking its items is Python code per header, and the tracker asks four names
    of every answer).
    """
    global _header_dict
    cls = _header_dict
    if cls is None:
        collections = sys.modules.get("urllib3._collections")
        if collections is not None:
            cls = _header_dict = collections.HTTPHeaderDict
    if headers.__class__ is cls:
        values = headers.getlist(name)  # type: ignore[attr-defined]
        return values[0] if values else None
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None
