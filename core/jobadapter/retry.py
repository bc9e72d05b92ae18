"""When to wait and for how long before trying a request again.

Backoff uses full jitter (AWS architecture blog, "Exponential Backoff And
Jitter") so many clients hitting one limit do not retry in lockstep; server
hints (``Retry-After``, ``RateLimit-Reset``) win over our own guess.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import random
from collections.abc import Mapping
from typing import Any

import attrs

from jobadapter.headers import header_value

__all__ = ["RetryPolicy", "parse_retry_after", "wait_hint"]

#: Above this a RateLimit-Reset value is read as an epoch instant, not a delay
#: (some servers send the X-RateLimit-Reset convention under the IETF name).
_EPOCH_THRESHOLD = 1_000_000_000.0


def _positive(_inst: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


def _non_negative(_inst: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value >= 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """How hard one call tries: attempts, total waiting, backoff shape."""

    #: Total tries per call, the first included.
    max_attempts: int = attrs.field(default=5, validator=_positive)
    #: Seconds of waiting (sleeps only) one call may spend before giving up.
    budget: float = attrs.field(default=60.0, validator=_non_negative)
    backoff_base: float = attrs.field(default=0.5, validator=_non_negative)
    backoff_cap: float = attrs.field(default=30.0, validator=_non_negative)
    #: A server asking for a longer wait is waited for this long at most.
    retry_after_cap: float = attrs.field(default=120.0, validator=_non_negative)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: ``uniform(0, min(cap, base * 2**attempt))`` (attempt counts from 0)."""
        exponent = min(max(attempt, 0), 60)  # 2**60 already dwarfs any cap; avoids float overflow
        return rng.uniform(0.0, min(self.backoff_cap, self.backoff_base * 2.0**exponent))


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return value


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or HTTP-date).

    A date in the past means 0; anything unreadable means None (no hint).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    seconds = _seconds(text)
    if seconds is not None:
        return seconds
    if text[0].isdigit() or text[0] in "+-":
        return None  # a malformed or negative number, not a date
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; "-0000" parses as naive
        when = when.replace(tzinfo=dt.timezone.utc)
    current = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (when - current).total_seconds())


def wait_hint(headers: Mapping[str, str], *, now: dt.datetime | None = None) -> float | None:
    """The server's wait hint in seconds: ``Retry-After``, else ``RateLimit-Reset``, else None."""
    hint = parse_retry_after(header_value(headers, "Retry-After"), now=now)
    if hint is not None:
        return hint
    reset = header_value(headers, "RateLimit-Reset")
    if reset is None:
        return None
    # Lenient: a list ("10, 60") names several windows; the first is the nearest.
    seconds = _seconds(reset.split(",")[0].strip())
    if seconds is None:
        return None
    if seconds >= _EPOCH_THRESHOLD:
        current = (now or dt.datetime.now(dt.timezone.utc)).timestamp()
        return max(0.0, seconds - current)
    return seconds
