"""The presigned upload target of a Bulk Data create answer, under either documented name.

Samples name it ``uploadRequest{uri, fields}``; the prose names it
``uploadFileInfo{uploadUrl, formFields}``. Fields come as an object; a list
of ``{name, value}`` pairs is accepted too. Order is kept: S3 wants the form
fields before the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from jobadapter.errors import ProviderResponseError


@attrs.frozen
class UploadTarget:
    """Where to POST the file, and exactly which form fields to send with it."""

    url: str
    fields: tuple[tuple[str, str], ...] = attrs.field(repr=False)  # signed: keep out of logs


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _fields(raw: Any) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    if raw is None:
        return ()
    if isinstance(raw, Mapping):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = []
        for entry in raw:
            if not isinstance(entry, Mapping):
                raise ProviderResponseError("upload form fields: expected {name, value} objects")
            name = entry.get("name", entry.get("key"))
            items.append((name, entry.get("value")))
    else:
        raise ProviderResponseError("upload form fields are neither an object nor a list")
    for name, value in items:
        text = _text(value)
        if not isinstance(name, str) or not name or text is None:
            raise ProviderResponseError(f"upload form field {name!r} has no usable value")
        pairs.append((name, text))
    return tuple(pairs)


def upload_target(answer: Mapping[str, Any]) -> UploadTarget:
    """The upload target of a create answer; ProviderResponseError when it has none."""
    for key, url_keys, field_keys in (
        ("uploadRequest", ("uri", "url", "uploadUrl"), ("fields", "formFields")),
        ("uploadFileInfo", ("uploadUrl", "uri", "url"), ("formFields", "fields")),
    ):
        info = answer.get(key)
        if not isinstance(info, Mapping):
            continue
        url = next((info[k] for k in url_keys if isinstance(info.get(k), str) and info[k]), None)
        if url is None or not url.startswith(("http://", "https://")):
            raise ProviderResponseError(f"{key} has no usable upload URL")
        raw_fields = next((info[k] for k in field_keys if k in info), None)
        return UploadTarget(url, _fields(raw_fields))
    raise ProviderResponseError(
        "the create answer has no upload target (neither uploadRequest nor uploadFileInfo)"
    )
