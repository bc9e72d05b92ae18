"""Retry decisions: which answers and failures are tried again, and how long to wait.

The rules that keep a job from being lost or created twice live here, and
docs/reliability.md ("When a request is tried again") says the same:

- any request is tried again when it never left us (no connection was made);
- an idempotent request (GET, HEAD, PUT, DELETE, OPTIONS, TRACE, or any request
  with an idempotency key or ``retry_unsafe=True``) also after a broken
  connection or body, and on 429, 500, 502, 503 and 504;
- any other request (a POST or PATCH without a key) also on an answer that says
  it was refused before any work was done (429, or 503 with ``Retry-After``),
  but only where the provider declares that its documents say such a refusal
  created nothing (``Provider.refusals_create_nothing``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from jobadapter.errors import ProviderError, ProviderResponseError, TransientError
from jobadapter.retry import RetryPolicy, parse_retry_after, wait_hint
from jobadapter.transport.deadline import call_time_left
from jobadapter.transport.failure import Failure
from jobadapter.urls import safe_url

__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "give_up",
    "plan",
    "refused_unprocessed",
    "retry_answer",
    "retry_hint",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
#: Statuses retried for an idempotent request (500 too: it may come after the work
#: was done, so only a request that is safe to repeat is repeated on it).
RETRY_STATUSES = frozenset({429, 502, 503, 504})


def refused_unprocessed(status: int, headers: Mapping[str, str]) -> bool:
    """Whether the answer says the request was refused before it was processed.

    429 (over a limit) or 503 with ``Retry-After`` (come back later): the server
    turned the request away at the door, and says when to come back.
    """
    return status == 429 or (status == 503 and "Retry-After" in headers)


def retry_answer(
    status: int, headers: Mapping[str, str], *, idempotent: bool, refusals_safe: bool
) -> bool:
    """Whether an answer with ``status`` is worth another try of the same request.

    ``idempotent``: the request may be repeated (by method or idempotency key).
    ``refusals_safe``: the provider documents that a refused request created nothing.
    """
    if idempotent:
        return status in RETRY_STATUSES or status == 500
    return refusals_safe and refused_unprocessed(status, headers)


def retry_hint(status: int, headers: Mapping[str, str]) -> float | None:
    """The server's wait hint for a retried ``status``.

    RateLimit-Reset says when the rate window resets: a reason to wait on a 429,
    not on a 5xx (Zuora sends it on every answer).
    """
    return wait_hint(headers) if status == 429 else parse_retry_after(headers.get("Retry-After"))


def plan(
    policy: RetryPolicy, attempt: int, waited: float, hint: float | None, rng: random.Random
) -> float | None:
    """The wait before try ``attempt + 1``, or None when attempts or budget are spent."""
    wait = (
        min(hint, policy.retry_after_cap) if hint is not None else policy.backoff(attempt - 1, rng)
    )
    if attempt >= policy.max_attempts or waited + wait > policy.budget:
        return None
    left = call_time_left()
    if left is not None and wait >= left:
        return None  # the caller's deadline comes first: no try could finish in time
    return wait


def give_up(
    failure: Failure, method: str, url: str, attempts: int, *, retried: bool
) -> ProviderError:
    """The typed error for a try that got no answer and will not be tried again."""
    where = safe_url(url)
    if failure.truncated_gzip and not retried:
        return ProviderResponseError(
            "truncated gzip body; the request was not retried because it is not idempotent",
            method=method,
            url=where,
        )
    if retried:
        text = (
            f"{failure.reason}; gave up after {attempts} attempt(s). The provider may be "
            "down or unreachable: check the URL and network, then try again later"
        )
    else:
        text = (
            f"{failure.reason}; not retried because {method} is not idempotent. Check "
            "whether it took effect before sending it again (or use an idempotency key)"
        )
    return TransientError(text, method=method, url=where)
