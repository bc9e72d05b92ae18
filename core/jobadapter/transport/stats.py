"""What a transport has done: requests, retries, redirects and bytes, counted safely
from many threads (benchmarks and diagnostics read them)."""

from __future__ import annotations

import threading

import attrs

__all__ = ["TransportStats"]


@attrs.define
class TransportStats:
    """Counters for benchmarks and diagnostics (thread-safe increments)."""

    requests: int = 0
    retries: int = 0
    redirects: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0  # on the wire, before decompression
    _lock: threading.Lock = attrs.field(factory=threading.Lock, init=False, repr=False, eq=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def sent(self, nbytes: int) -> None:
        """One request sent (``add(requests=1, bytes_sent=n)`` without its generic loop)."""
        with self._lock:
            self.requests += 1
            self.bytes_sent += nbytes

    def received(self, nbytes: int) -> None:
        with self._lock:
            self.bytes_received += nbytes

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {
                "requests": self.requests,
                "retries": self.retries,
                "redirects": self.redirects,
                "bytes_sent": self.bytes_sent,
                "bytes_received": self.bytes_received,
            }
