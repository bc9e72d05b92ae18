"""A socket server on 127.0.0.1 that answers each connection its own way, for
transport tests that need what no real server sends (cuts, resets, lies)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

#: Bytes to send as the whole answer, or a function given the connection.
Behaviour = bytes | Callable[[socket.socket], None]


class RawServer:
    """A socket server running one behaviour per accepted connection, for broken transports."""

    def __init__(self, behaviours: list[Behaviour]) -> None:
        self.behaviours = list(behaviours)
        self.connections = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self.behaviours:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            behaviour = self.behaviours.pop(0)
            with conn:
                read_request(conn)  # cut short or not, this connection gets its behaviour
                if isinstance(behaviour, bytes):
                    conn.sendall(behaviour)
                else:
                    behaviour(conn)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_request(conn: socket.socket) -> bytes | None:
    """Read one request, its body included (by ``Content-Length``), so an answer never
    races the client's sending; return its head, or None when the client closed the
    connection before sending it whole (the caller decides whether to answer)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
            while len(rest) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return None
                rest += chunk
    return head
