"""Matching uploads on what matters: a multipart body's parts, not its bytes.

A multipart body changes on every run (urllib3 draws a random boundary) and
so does a zip built with the current time, though neither changes what was
sent. :func:`upload_body` is vcrpy's ``body`` matcher that compares multipart
bodies part by part (name, file name, content type, content), and a zip part
by its members' names and contents; every other body is compared as vcrpy does.
:func:`~jobadapter.testing.vcr.make_vcr` registers it as ``body``.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from vcr import matchers

from jobadapter.testing.scrub import body_bytes, header

__all__ = ["multipart_parts", "upload_body"]

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', flags=re.IGNORECASE)
_DISPOSITION = re.compile(
    rb'(?i)content-disposition:[^\r\n]*?\bname="([^"]*)"(?:[^\r\n]*?filename="([^"]*)")?'
)
_TYPE = re.compile(rb"(?i)content-type:\s*([^\r\n;]+)")


def _content(data: bytes) -> Any:
    """A part's content as compared: a zip by its members, anything else as is."""
    buffer = io.BytesIO(data)
    if data[:2] != b"PK" or not zipfile.is_zipfile(buffer):
        return data
    try:
        with zipfile.ZipFile(buffer) as archive:
            return ("zip", tuple(sorted((i.filename, archive.read(i)) for i in archive.infolist())))
    except (zipfile.BadZipFile, OSError):
        return data


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", "replace")


def multipart_parts(body: bytes, content_type: str) -> list[tuple[Any, ...]] | None:
    """``(name, file name, content type, content)`` of each part, None if not multipart."""
    match = _BOUNDARY.search(content_type)
    if not content_type.lower().startswith("multipart/") or match is None:
        return None
    delimiter = b"--" + match.group(1).encode("latin-1")
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, sep, content = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            continue
        disposition = _DISPOSITION.search(head)
        kind = _TYPE.search(head)
        name, filename = disposition.groups() if disposition else (None, None)
        parts.append(
            (
                _text(name),
                _text(filename),
                _text(kind.group(1).strip().lower()) if kind else None,
                _content(content.removesuffix(b"\r\n")),
            )
        )
    return parts


def upload_body(r1: Any, r2: Any) -> None:
    """vcrpy's ``body`` matcher, comparing multipart bodies part by part."""
    first = multipart_parts(body_bytes(r1.body) or b"", header(r1.headers, "Content-Type"))
    second = multipart_parts(body_bytes(r2.body) or b"", header(r2.headers, "Content-Type"))
    if first is None or second is None:
        matchers.body(r1, r2)
        return
    if first != second:
        raise AssertionError("the uploads differ in their parts (name, file name, type or content)")
