"""What every Zoho simulator keeps apart from HTTP: access tokens and the rate window.

Everything reads simulated time from a :class:`SimClock`, so a test expires a
token, or resets the window, by advancing the clock rather than by sleeping.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Iterable

import attrs
from jobadapter.sandbox import SimClock

#: Zoho keeps at most this many live access tokens per refresh token (the oldest goes).
MAX_LIVE_TOKENS = 30


@attrs.define
class Grant:
    """What one access token stands for."""

    refresh_token: str
    scopes: frozenset[str]
    expires_at: float


class TokenBook:
    """Access tokens issued per refresh token, with expiry and Zoho's cap on live tokens."""

    def __init__(self, clock: SimClock, rng: random.Random, *, ttl: float) -> None:
        self.clock = clock
        self.ttl = ttl
        self._rng = rng
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}

    def issue(self, refresh_token: str, scopes: Iterable[str]) -> str:
        """A new access token (the oldest live one of ``refresh_token`` goes past the cap)."""
        with self._lock:
            token = f"1000.{self._rng.getrandbits(128):032x}.{self._rng.getrandbits(64):016x}"
            self._grants[token] = Grant(
                refresh_token, frozenset(scopes), self.clock.now() + self.ttl
            )
            mine = [t for t, g in self._grants.items() if g.refresh_token == refresh_token]
            for old in mine[: max(0, len(mine) - MAX_LIVE_TOKENS)]:
                del self._grants[old]
            return token

    def check(self, token: str) -> Grant | None:
        """The grant of a live token, else None (unknown, revoked or expired)."""
        with self._lock:
            grant = self._grants.get(token)
        if grant is None or grant.expires_at <= self.clock.now():
            return None
        return grant

    def expire_all(self) -> None:
        """Expire every token issued so far (a test's way to expire one mid-poll)."""
        with self._lock:
            now = self.clock.now()
            for grant in self._grants.values():
                grant.expires_at = min(grant.expires_at, now)

    def live(self, refresh_token: str | None = None) -> int:
        """How many tokens are live (for ``refresh_token``, when given)."""
        now = self.clock.now()
        with self._lock:
            return sum(
                1
                for g in self._grants.values()
                if g.expires_at > now and refresh_token in (None, g.refresh_token)
            )


class RateWindow:
    """A fixed window of ``limit`` requests per ``seconds`` of simulated time (None: no limit)."""

    def __init__(self, clock: SimClock, *, limit: int | None, seconds: float) -> None:
        if limit is not None and limit < 1:
            raise ValueError("requests_per_window must be at least 1 (or None for no limit)")
        if seconds <= 0:
            raise ValueError("window_seconds must be > 0")
        self.clock = clock
        self.limit = limit
        self.seconds = seconds
        self._lock = threading.Lock()
        self._start = -math.inf
        self._count = 0

    def admit(self) -> float | None:
        """None when the request may go on, else the seconds until the window resets."""
        if self.limit is None:
            return None
        now = self.clock.now()
        start = math.floor(now / self.seconds) * self.seconds
        with self._lock:
            if start != self._start:
                self._start, self._count = start, 0
            if self._count >= self.limit:
                return start + self.seconds - now
            self._count += 1
            return None
