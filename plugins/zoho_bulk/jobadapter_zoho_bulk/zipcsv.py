"""Zipped CSV, both ways: the upload Zoho wants, the results it gives.

The zip is built deterministically (fixed member time and permissions, one
member, deflated), so the same rows always make the same bytes: an upload
recorded in a cassette matches on replay, and a retried upload is the same file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from jobadapter.errors import InvalidRequest, ProviderResponseError

#: The member time of every zip built here (the earliest a zip can say).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def csv_from_rows(rows: Iterable[Mapping[str, Any]], fields: Sequence[str] | None = None) -> bytes:
    """UTF-8 CSV of ``rows`` with a header row (``fields``, else the first row's keys)."""
    rows = list(rows)
    if not rows:
        raise InvalidRequest("no rows to write: give at least one row")
    names = list(fields or rows[0].keys())
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue().encode("utf-8")


def zip_csv(data: bytes, name: str = "data.csv") -> bytes:
    """``data`` as the one member ``name`` of a zip, the same bytes every time."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(info, data)
    return out.getvalue()


def upload_bytes(path: Path) -> tuple[bytes, str]:
    """(zip bytes, file name) for a ``.csv`` or ``.zip`` file; a CSV is zipped here."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidRequest(f"cannot read {path}: {exc.strerror or exc}") from None
    if zipfile.is_zipfile(io.BytesIO(data)):
        return data, path.name
    return zip_csv(data, path.name), path.with_suffix(".zip").name


def csv_member(data: bytes, *, what: str = "the result file") -> bytes:
    """The first CSV member of a zip (or ``data`` itself when it is not a zip)."""
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        return data
    try:
        with zipfile.ZipFile(buffer) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if not names:
                raise ProviderResponseError(f"{what} is an empty zip")
            return archive.read(names[0])
    except (zipfile.BadZipFile, OSError) as exc:
        raise ProviderResponseError(f"{what} is a damaged zip ({exc})") from None


def rows_of(data: bytes) -> Iterator[dict[str, str]]:
    """The rows of a CSV (a header row first), as dicts."""
    text = data.decode("utf-8-sig", errors="replace")
    yield from csv.DictReader(io.StringIO(text))


def count_rows(zipped: bytes) -> int:
    """How many data rows (after the header) the zipped CSV holds."""
    return sum(1 for _ in rows_of(csv_member(zipped, what="the upload")))


def header_of(zipped: bytes) -> list[str]:
    """The CSV's header row (column names) of a zipped CSV."""
    text = csv_member(zipped, what="the upload").decode("utf-8-sig", errors="replace")
    return next(csv.reader(io.StringIO(text)), [])
