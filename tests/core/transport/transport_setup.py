"""What the transport tests share: a transport that records its waits instead of
sleeping, the answers the scripted and raw servers give, and a secret registered for
redaction so a test can check it never leaks."""

from __future__ import annotations

import gzip
import json
import random
import socket
from typing import Any

from jobadapter.redact import register_secret
from jobadapter.transport import Timeouts, Transport
from werkzeug.wrappers import Response as WResponse

SECRET = "s3cr3t-token-value-123"
register_secret(SECRET)


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_transport(sleeps: Sleeps | None = None, **kw: Any) -> Transport:
    kw.setdefault("timeouts", Timeouts(connect=2.0, read=5.0))
    return Transport(sleep=sleeps or Sleeps(), rng=random.Random(7), **kw)


def json_response(payload: Any, status: int = 200, **headers: str) -> WResponse:
    return WResponse(
        json.dumps(payload), status=status, headers=headers, mimetype="application/json"
    )


def gzip_response(data: bytes, status: int = 200) -> WResponse:
    return WResponse(gzip.compress(data), status=status, headers={"Content-Encoding": "gzip"})


def reset_mid_body(conn: socket.socket) -> None:
    conn.sendall(
        b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{"a'
    )
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def full_answer(conn: socket.socket) -> None:
    body = b'{"ok": true}'
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


def redirect_to(url: str, status: int = 302) -> WResponse:
    return WResponse("", status=status, headers={"Location": url})
