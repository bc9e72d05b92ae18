"""Simulator helpers for uploaded files: read them, mark failing rows, write result files.

A row fails when any cell contains ``FAIL`` (upper case), so a test or a
demo decides which rows fail by what it uploads, and counts and result files
are real.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

import attrs
from jobadapter.parsing import parse_timezone

FAIL_MARK = "FAIL"
FAIL_MESSAGE = "Row rejected: a cell contains FAIL (simulated failure)"


class BadFile(ValueError):
    """The uploaded file cannot be read as the simulator expects."""


@attrs.frozen
class Table:
    """An uploaded file's header and data rows (JSON lines as flat records)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    kind: str = "csv"
    records: tuple[dict[str, Any], ...] = ()

    @property
    def fails(self) -> tuple[bool, ...]:
        if self.kind == "jsonl":
            return tuple(_record_fails(r) for r in self.records)
        return tuple(any(FAIL_MARK in cell for cell in row) for row in self.rows)


def _record_fails(value: Any) -> bool:
    if isinstance(value, str):
        return FAIL_MARK in value
    if isinstance(value, dict):
        return any(_record_fails(v) for v in value.values())
    if isinstance(value, list):
        return any(_record_fails(v) for v in value)
    return False


def unzip_if_zipped(data: bytes) -> bytes:
    """The first .csv/.jsonl inside a zip, or ``data`` itself."""
    if data[:4] != b"PK\x03\x04":
        return data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith((".csv", ".jsonl"))]
            if not names:
                raise BadFile("the zip holds no .csv file")
            return archive.read(names[0])
    except zipfile.BadZipFile:
        raise BadFile("the zip archive is corrupt") from None


def read_table(data: bytes, kind: str = "csv") -> Table:
    """Parse an upload (zipped or not) as CSV or JSON lines."""
    raw = unzip_if_zipped(data)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadFile("the file is not UTF-8 text") from None
    if kind == "jsonl":
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError:
                raise BadFile(f"line {number} is not JSON") from None
            if not isinstance(value, dict):
                raise BadFile(f"line {number} is not a JSON object")
            records.append(value)
        return Table(header=(), rows=(), kind="jsonl", records=tuple(records))
    try:
        parsed = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise BadFile(f"the CSV is malformed: {exc}") from None
    parsed = [row for row in parsed if any(cell.strip() for cell in row)]
    if not parsed:
        return Table(header=(), rows=())
    header, *rows = parsed
    return Table(header=tuple(header), rows=tuple(tuple(r) for r in rows))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)
    return buffer.getvalue()


def naive_time(epoch: float | None, timezone: str) -> str | None:
    """Zuora's ``yyyy-MM-dd HH:mm:ss`` in the tenant's zone (no zone in the text)."""
    if epoch is None:
        return None
    zone = parse_timezone(timezone)
    return dt.datetime.fromtimestamp(epoch, tz=zone).strftime("%Y-%m-%d %H:%M:%S")


def iso_time(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    moment = dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
