"""HTTP for every provider: one connection pool, timeouts, retries, gzip, safe redirects.

Everything that talks to a provider goes through :class:`Transport`, so the
rules that keep jobs from being lost or duplicated (which requests may be
retried, how long to wait) and that keep secrets out of logs live in one place.
Its parts, one idea each: ``prepare`` and ``sending`` (a request checked, sent,
redirected), ``retrying`` (what is tried again), ``reading`` and ``response``
(an answer read, decompressed within a cap, decoded), ``deadline`` (whole-answer and
whole-call deadlines), ``headers`` and ``multipart`` (a request's headers and body,
built in one pass), ``stats`` (the counters), ``client`` (the loop).
"""

from __future__ import annotations

from jobadapter.transport.client import Transport
from jobadapter.transport.response import Response
from jobadapter.transport.retrying import IDEMPOTENT_METHODS, RETRY_STATUSES
from jobadapter.transport.sending import Timeouts
from jobadapter.transport.stats import TransportStats

__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "Response",
    "Timeouts",
    "Transport",
    "TransportStats",
]
