"""Reading the file a caller submits: a path, bytes or a binary file object.

Limits are checked before anything is sent (a path by its size on disk, a
stream by reading one byte past the limit), so an oversized file fails fast
with a message that says the limit, not after a long upload.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import IO, Any, Union

import attrs
from jobadapter.errors import InvalidRequest

#: What ``file=`` accepts.
FileSource = Union[str, "os.PathLike[str]", bytes, bytearray, IO[bytes]]

ZIP_MAGIC = b"PK\x03\x04"
GZIP_MAGIC = b"\x1f\x8b"


@attrs.frozen
class LoadedFile:
    """A file's name and bytes, ready for a multipart upload."""

    name: str
    data: bytes = attrs.field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def is_zip(self) -> bool:
        return self.data[:4] == ZIP_MAGIC


def _mb(limit: int) -> str:
    return f"{limit / 2**20:g} MB"


def load_file(
    source: Any,
    *,
    limit: int | None = None,
    name: str | None = None,
    default_name: str = "upload.csv",
    what: str = "file",
) -> LoadedFile:
    """The bytes of ``source``, refusing more than ``limit`` bytes before reading them all."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        if not path.is_file():
            raise InvalidRequest(f"{what} {str(path)!r} does not exist or is not a file")
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise InvalidRequest(
                f"{what} {path.name!r} is {size} bytes; the limit is {_mb(limit)} "
                f"({limit} bytes): split it into smaller files"
            )
        return LoadedFile(name or path.name, path.read_bytes())
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif hasattr(source, "read"):
        chunk = source.read() if limit is None else source.read(limit + 1)
        if not isinstance(chunk, bytes):
            raise InvalidRequest(f"{what} must be opened in binary mode ('rb'), not text mode")
        data = chunk
        name = name or _stream_name(source)
    else:
        raise InvalidRequest(
            f"{what} must be a path, bytes or a binary file object, not {type(source).__name__}"
        )
    if limit is not None and len(data) > limit:
        raise InvalidRequest(
            f"{what} is larger than {_mb(limit)} ({limit} bytes): split it into smaller files"
        )
    if not name:
        name = (
            str(Path(default_name).with_suffix(".zip")) if data[:4] == ZIP_MAGIC else default_name
        )
    return LoadedFile(name, data)


def _stream_name(stream: Any) -> str | None:
    raw = getattr(stream, "name", None)
    if isinstance(raw, str) and raw and not raw.startswith("<"):
        return Path(raw).name
    return None


def check_csv_or_zip(loaded: LoadedFile, *, what: str = "file") -> None:
    """Zuora's Mass Updater takes a .csv or a zipped .csv: refuse anything else up front."""
    lower = loaded.name.lower()
    if loaded.is_zip:
        try:
            with zipfile.ZipFile(io.BytesIO(loaded.data)) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
        except zipfile.BadZipFile:
            raise InvalidRequest(
                f"{what} {loaded.name!r} looks like a zip but is corrupt"
            ) from None
        if not any(n.lower().endswith(".csv") for n in names):
            raise InvalidRequest(f"{what} {loaded.name!r} is a zip without a .csv file inside")
        return
    if lower.endswith(".zip"):
        raise InvalidRequest(f"{what} {loaded.name!r} is named .zip but is not a zip archive")
    if not lower.endswith(".csv"):
        raise InvalidRequest(
            f"{what} {loaded.name!r} must be a .csv file or a zipped .csv (rename it or pass name=)"
        )
    if not loaded.data or loaded.data.isspace():  # ``strip()`` would copy the whole file
        raise InvalidRequest(f"{what} {loaded.name!r} is empty")
