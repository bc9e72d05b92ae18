"""Streaming rows out of downloaded result files (zipped, gzipped or plain; CSV or JSON lines).

Result files can be large, so they are downloaded to a temporary file and
read row by row; the whole file is never held in memory.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import IO, Any, BinaryIO, cast

from jobadapter.errors import ProviderResponseError

from jobadapter_zuora_bulk.files import GZIP_MAGIC, ZIP_MAGIC

#: CSV fields may be long (notes, JSON blobs); lift the 128 KiB default.
csv.field_size_limit(16 * 2**20)


def _pick_member(archive: zipfile.ZipFile) -> str:
    names = [n for n in archive.namelist() if not n.endswith("/")]
    for suffix in (".csv", ".jsonl", ".json", ".txt"):
        for name in names:
            if name.lower().endswith(suffix):
                return name
    if names:
        return names[0]
    raise ProviderResponseError("the result archive is empty")


def _text_stream(stack: ExitStack, raw: IO[bytes]) -> tuple[IO[str], str]:
    """A text stream over ``raw`` (unzipping or gunzipping it); plus the inner file's name."""
    head = raw.read(4)
    raw.seek(0)
    name = ""
    binary: IO[bytes] = raw
    if head == ZIP_MAGIC:
        try:
            archive = stack.enter_context(zipfile.ZipFile(raw))
        except zipfile.BadZipFile:
            raise ProviderResponseError("the result file is a corrupt zip archive") from None
        name = _pick_member(archive)
        binary = stack.enter_context(archive.open(name))
    elif head[:2] == GZIP_MAGIC:
        binary = cast(IO[bytes], stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb")))
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
    stack.callback(text.detach)
    return text, name


def _rows(text: IO[str], *, jsonl: bool) -> Iterator[dict[str, Any]]:
    if jsonl:
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                raise ProviderResponseError(f"result line {number} is not JSON") from None
            yield value if isinstance(value, dict) else {"value": value}
        return
    for row in csv.DictReader(text):
        extra = row.pop(None, None)
        record: dict[str, Any] = dict(row)
        if extra:
            record["_extra"] = extra
        yield record


def iter_file_rows(raw: IO[bytes], *, file_type: str | None = None) -> Iterator[dict[str, Any]]:
    """The rows of a seekable binary result file, one dict per row."""
    with ExitStack() as stack:
        text, inner = _text_stream(stack, raw)
        kind = (file_type or "").lower()
        if not kind:
            kind = "jsonl" if inner.lower().endswith((".jsonl", ".json")) else ""
        if not kind:
            first = text.read(1)
            kind = "jsonl" if first in ("{", "[") else "csv"
            text.seek(0)
        try:
            yield from _rows(text, jsonl=kind in ("jsonl", "json"))
        except (csv.Error, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ProviderResponseError(f"the result file is unreadable: {exc}") from None


def stream_download(
    fetch: Callable[[BinaryIO], object], *, file_type: str | None = None
) -> Iterator[dict[str, Any]]:
    """Download with ``fetch(dest)`` into a temporary file, then yield its rows."""
    with tempfile.TemporaryFile(prefix="jobadapter-") as tmp:
        fetch(tmp)
        tmp.seek(0)
        yield from iter_file_rows(tmp, file_type=file_type)
