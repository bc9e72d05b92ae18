"""Retry decisions: which answers and failures are tried again, and how long to wait.

The rules that keep a job from being lost or created twice live here: any
request is retried when it never left us; an idempotent one (by method, or by
its idempotency key) also on a broken connection and on 429/5xx answers.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from jobadapter.errors import ProviderError, ProviderResponseError, TransientError
from jobadapter.retry import RetryPolicy, parse_retry_after, wait_hint
from jobadapter.transport.failure import Failure
from jobadapter.urls import safe_url

__all__ = ["IDEMPOTENT_METHODS", "RETRY_STATUSES", "give_up", "plan", "retry_hint"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
#: Statuses retried for any retryable request; 500 only for idempotent methods.
RETRY_STATUSES = frozenset({429, 502, 503, 504})


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
