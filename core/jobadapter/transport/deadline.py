"""Deadlines that hold: for one whole answer, and for a whole call with its retries.

A socket's read timeout applies to each read, so a server that sends its status
line, headers or body one byte a second never trips it. Here every read of an
answer waits only until the deadline of the thread's current try: the profile's
``timeout`` bounds a whole answer (connect, status line, headers, body), and a
caller's deadline (a watch's, a wait's) also bounds every retry and every wait
between them. Deadlines live in a thread-local because one thread runs one
request at a time, and the reads happen deep inside ``http.client``.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = [
    "CALL_DEADLINE",
    "AnswerTimeout",
    "answer_deadline",
    "call_deadline",
    "call_time_left",
    "end_try",
    "late_reason",
    "pool_classes",
    "start_try",
]


#: How far past its deadline one read may end. The deadline is usually the socket's
#: own read timeout, a moment ago: setting the socket's timeout around every read
#: (two system calls) to save that moment cost more than the rest of the read.
SLACK = 0.01


class AnswerTimeout(socket.timeout):
    """A read found the answer's deadline passed (urllib3 reads it as a read timeout)."""


class _Deadlines(threading.local):
    answer: float | None = None  # monotonic instant the current answer must be read by
    call: float | None = None  # monotonic instant the whole call (retries too) must end by


_current = _Deadlines()


@contextlib.contextmanager
def call_deadline(seconds: float | None) -> Iterator[None]:
    """Within the block, every transport call of this thread ends within ``seconds``
    from now, retries and the waits between them included (an earlier one stays)."""
    if seconds is None:
        yield
        return
    outer = _current.call
    at = time.monotonic() + max(0.0, seconds)
    _current.call = at if outer is None else min(outer, at)
    try:
        yield
    finally:
        _current.call = outer


def call_time_left() -> float | None:
    """Seconds left of the current call deadline (None: there is none)."""
    at = _current.call
    return None if at is None else at - time.monotonic()


def start_try(seconds: float | None) -> tuple[float | None, float | None]:
    """Enter an answer deadline ``seconds`` from now (or the call deadline, when that
    is sooner; ``None``: only the call deadline), in one call (it runs on every try):
    the seconds left of the call deadline (None: there is none), and the answer
    deadline this one replaces, for :func:`end_try`."""
    now = time.monotonic()
    call = _current.call
    at = None if seconds is None else now + seconds
    if call is not None:
        at = call if at is None else min(at, call)
    outer = _current.answer
    _current.answer = at
    return (None if call is None else call - now), outer


def end_try(outer: float | None) -> None:
    """Put back the answer deadline :func:`start_try` replaced."""
    _current.answer = outer


class answer_deadline:
    """Within the block, the thread's reads of an answer end ``seconds`` from now
    (or at the call deadline, when that is sooner). ``None``: only the call deadline.
    :func:`start_try` and :func:`end_try` as a ``with`` block."""

    __slots__ = ("_outer", "_seconds")

    def __init__(self, seconds: float | None) -> None:
        self._seconds = seconds
        self._outer: float | None = None

    def __enter__(self) -> None:
        _, self._outer = start_try(self._seconds)

    def __exit__(self, *exc: object) -> None:
        end_try(self._outer)


def lift_answer_deadline() -> None:
    """Drop the answer deadline for the rest of the block (a download's body, which may
    rightly take long: its reads keep the per-read timeout and the call deadline)."""
    _current.answer = _current.call


def answer_deadline_passed() -> bool:
    at = _current.answer
    return at is not None and time.monotonic() >= at


class _DeadlineReader(socket.SocketIO):
    """A socket's reads, each waiting no longer than the thread's answer deadline.

    The socket's own raw file (``SocketIO``) with its ``readinto`` bounded: one layer
    of Python per read, not a wrapper around a second raw file."""

    def readinto(self, b: Any) -> int | None:
        at = _current.answer
        if at is None:
            return _socket_readinto(self, b)
        left = at - time.monotonic()
        if left <= 0:
            raise AnswerTimeout("the whole answer took longer than its deadline")
        sock = self._sock  # type: ignore[attr-defined]
        usual = sock.gettimeout()
        if usual is not None and usual <= left + SLACK:
            return _socket_readinto(self, b)
        sock.settimeout(left)
        try:
            return _socket_readinto(self, b)
        except TimeoutError:
            raise AnswerTimeout("the whole answer took longer than its deadline") from None
        finally:
            sock.settimeout(usual)


_socket_readinto = socket.SocketIO.readinto


class _DeadlineSocket:
    """What ``http.client.HTTPResponse`` takes from its socket: ``makefile``."""

    __slots__ = ("_sock",)

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def makefile(self, mode: str, *args: Any, **kwargs: Any) -> io.BufferedReader:
        sock = self._sock
        raw = _DeadlineReader(sock, "rb")
        sock._io_refs += 1  # type: ignore[attr-defined]  # as socket.makefile counts its files
        return io.BufferedReader(raw)


class _DeadlineResponse(http.client.HTTPResponse):
    """An ``http.client`` answer whose status line, headers and body obey the deadline."""

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(_DeadlineSocket(sock), *args, **kwargs)  # type: ignore[arg-type]


def _reads_by_deadline(conn: Any) -> Any:
    """``conn`` reading its answers by deadline, when it is a real ``http.client``
    connection (a test kit's stand-in, such as a cassette's, is left as it is)."""
    if isinstance(conn, http.client.HTTPConnection):
        conn.response_class = _DeadlineResponse
    return conn


class _HTTPPool(HTTPConnectionPool):
    def _new_conn(self) -> Any:
        return _reads_by_deadline(super()._new_conn())


class _HTTPSPool(HTTPSConnectionPool):
    def _new_conn(self) -> Any:
        return _reads_by_deadline(super()._new_conn())


def pool_classes() -> dict[str, type[HTTPConnectionPool]]:
    """urllib3 pool classes (by scheme) whose connections read answers by deadline."""
    return {"http": _HTTPPool, "https": _HTTPSPool}


#: Why a call ended when its caller's deadline (a watch's, a wait's) passed.
CALL_DEADLINE = "the caller's deadline passed (a watch or wait deadline); not tried again"


def late_reason(timeout: float) -> str:
    """Why a try ended when its whole answer did not come within ``timeout``."""
    if (call_time_left() or 1.0) <= 0:
        return CALL_DEADLINE
    return (
        f"no whole answer within {timeout:g} s (the profile's timeout): the server sent "
        "nothing, or too slowly"
    )
