"""Reading an answer: its body streamed, decompressed and capped.

We read bodies ourselves (``decode_content=False``) so the cap applies to the
decompressed size, a decompression bomb is refused early, and a body broken
mid-way becomes a :class:`Failure` the retry rules can judge.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import urllib3
from urllib3.exceptions import HTTPError

from jobadapter.errors import ProviderResponseError, request_id_from
from jobadapter.transport.failure import Failure, brief
from jobadapter.urls import safe_url

__all__ = ["BOMB_FLOOR", "BOMB_RATIO", "Decoder", "discard", "read_all", "read_into"]

_CHUNK = 64 * 1024
_OUT_CHUNK = 1024 * 1024
#: A compressed body that expands more than this many times, past ``BOMB_FLOOR``
#: decoded bytes, is a decompression bomb (text rarely beats 100:1; zeros reach 1000:1).
#: It guards downloads, which have no size cap of their own.
BOMB_RATIO = 500
BOMB_FLOOR = 16 * 2**20


class Decoder:
    """Streaming Content-Encoding decoder that refuses to produce more than ``limit`` bytes."""

    def __init__(
        self, encoding: str, limit: int | None, too_large: Callable[[], Exception]
    ) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        self._wbits: int | None
        if not codings:
            self._wbits = None
        elif codings in (["gzip"], ["x-gzip"]):
            self._wbits = 16 + zlib.MAX_WBITS
        elif codings == ["deflate"]:
            self._wbits = 32 + zlib.MAX_WBITS  # zlib or gzip header, auto-detected
        else:
            raise ProviderResponseError(f"unsupported Content-Encoding {encoding!r}")
        self._limit = limit
        self._too_large = too_large
        self._produced = 0
        self._consumed = 0
        self._z = self._new()
        self._fed = False

    def _new(self) -> Any:
        return zlib.decompressobj(self._wbits) if self._wbits is not None else None

    def _count(self, out: bytes) -> bytes:
        self._produced += len(out)
        if self._limit is not None and self._produced > self._limit:
            raise self._too_large()
        if (
            self._z is not None
            and self._produced > BOMB_FLOOR
            and self._produced > BOMB_RATIO * self._consumed
        ):
            raise ProviderResponseError(
                f"compressed body expands more than {BOMB_RATIO} times (a decompression "
                "bomb?); refusing to read it"
            )
        return out

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._z is None:
            yield self._count(data)
            return
        if not data:
            return
        self._consumed += len(data)
        pending, self._fed = data, True
        while True:
            room = _OUT_CHUNK
            if self._limit is not None:
                room = min(room, self._limit - self._produced + 1)
            try:
                out = self._z.decompress(pending, room)
            except zlib.error as exc:
                raise ProviderResponseError(f"corrupt compressed body ({exc})") from None
            if out:
                yield self._count(out)
            if self._z.eof:  # a gzip member ended; another may follow
                pending = self._z.unused_data.lstrip(b"\0")
                self._z, self._fed = self._new(), bool(pending)
                if not pending:
                    return
                continue
            pending = self._z.unconsumed_tail
            if not pending and len(out) < room:
                return

    def finish(self) -> Iterator[bytes]:
        if self._z is None or not self._fed:
            return
        out = self._z.flush()
        if out:
            yield self._count(out)
        if not self._z.eof:
            raise Failure("truncated compressed body", sent=True, truncated_gzip=True)


class Buffer:
    """A write-only bytes sink (what ``read_into`` needs from a file)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(data)
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


def read_all(
    raw: urllib3.BaseHTTPResponse,
    method: str,
    url: str,
    limit: int | None,
    on_bytes: Callable[[int], None],
) -> bytes:
    """The decoded body of ``raw``, in memory, within ``limit`` bytes.

    An unencoded body whose Content-Length is within the limit and one read's
    size is read in one call (``http.client`` reads exactly that many bytes, and
    urllib3 raises if fewer come); any other body is streamed through the decoder.
    """
    headers = raw.headers
    length = headers.get("Content-Length")
    if (
        length is not None
        and length.isascii()
        and length.isdigit()
        and int(length) <= min(_CHUNK, _CHUNK if limit is None else limit)
        # ``in``, not ``get``: a missing header costs ``get`` a KeyError
        and "Content-Encoding" not in headers
        and "Transfer-Encoding" not in headers  # it overrides Content-Length
    ):
        try:
            data = raw.read(decode_content=False)
        except HTTPError as exc:
            raw.close()
            raise Failure(f"connection broken mid-body: {brief(exc)}", sent=True) from None
        except BaseException:
            raw.close()  # never hand a half-read connection back to the pool
            raise
        on_bytes(len(data))
        return data
    buffer = Buffer()
    read_into(raw, method, url, limit, buffer, on_bytes)
    return buffer.getvalue()


def read_into(
    raw: urllib3.BaseHTTPResponse,
    method: str,
    url: str,
    limit: int | None,
    out: BinaryIO | Buffer,
    on_bytes: Callable[[int], None],
) -> int:
    """Copy the decoded body of ``raw`` into ``out``; return the bytes written."""

    def too_large() -> ProviderResponseError:
        return ProviderResponseError(
            f"response body larger than {limit} bytes (decompressed); refusing to read it",
            status=raw.status,
            request_id=request_id_from(raw.headers),
            method=method,
            url=safe_url(url),
        )

    try:
        length = int(raw.headers.get("Content-Length", ""))
    except ValueError:
        length = None
    written = 0
    try:
        decoder = Decoder(raw.headers.get("Content-Encoding", ""), limit, too_large)
        if limit is not None and length is not None and length > limit:
            raise too_large()
        received = 0
        for chunk in raw.stream(_CHUNK, decode_content=False):
            received += len(chunk)
            on_bytes(len(chunk))
            if limit is not None and received > limit:
                raise too_large()
            for piece in decoder.feed(chunk):
                out.write(piece)
                written += len(piece)
        for piece in decoder.finish():
            out.write(piece)
            written += len(piece)
    except HTTPError as exc:
        raw.close()
        failure = Failure(f"connection broken mid-body: {brief(exc)}", sent=True)
        failure.written = written
        raise failure from None
    except Failure as failure:
        raw.close()
        failure.written = written
        raise
    except BaseException:
        raw.close()  # never hand a half-read connection back to the pool
        raise
    return written


def discard(raw: urllib3.BaseHTTPResponse) -> None:
    """Drop a body we will not use; reuse the connection only when it is small."""
    remaining = raw.length_remaining
    if remaining is not None and remaining <= _CHUNK:
        raw.drain_conn()
    else:
        raw.close()
