"""The transport: one request in, one fully read answer out, retried when that is safe.

:class:`Transport` ties the parts together: ``prepare`` checks and builds the
request, ``sending`` puts it on the wire and follows redirects, ``retrying``
decides whether a failure or an answer is tried again, ``reading`` reads and
decodes the body, and ``response`` is what the caller gets.
"""

from __future__ import annotations

import gzip
import logging
import random
import time
from collections.abc import Callable, Collection, Mapping
from importlib import metadata
from typing import Any, BinaryIO

import urllib3

from jobadapter.errors import InvalidRequest, ProviderResponseError, TransientError
from jobadapter.redact import get_logger, redact_headers
from jobadapter.retry import RetryPolicy
from jobadapter.transport.deadline import (
    CALL_DEADLINE,
    answer_deadline_passed,
    end_try,
    late_reason,
    lift_answer_deadline,
    start_try,
)
from jobadapter.transport.failure import Failure
from jobadapter.transport.headers import RequestHeaders
from jobadapter.transport.prepare import (
    UNSET,
    check_header,
    check_method,
    check_url,
    encode_payload,
    prepare_headers,
)
from jobadapter.transport.reading import discard, read_all, read_into
from jobadapter.transport.response import Response, status_error
from jobadapter.transport.retrying import (
    IDEMPOTENT_METHODS,
    give_up,
    plan,
    retry_answer,
    retry_hint,
)
from jobadapter.transport.sending import (
    MAX_REDIRECTS,
    REDIRECTS,
    Pools,
    Timeouts,
    follow_redirect,
    within_call_deadline,
)
from jobadapter.transport.stats import TransportStats
from jobadapter.urls import safe_url

__all__ = ["Transport", "TransportStats"]

try:
    _VERSION = metadata.version("jobadapter")
except metadata.PackageNotFoundError:  # running from a source tree
    _VERSION = "0"

log = get_logger("transport")


class Transport:
    """One connection pool with the retry, redirect, size and secrecy rules.

    Thread-safe: share one per process (the hub does).
    """

    def __init__(
        self,
        *,
        timeouts: Timeouts = Timeouts(),  # noqa: B008 (frozen, safe to share)
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008
        max_response_bytes: int = 64 * 2**20,
        pool_maxsize: int = 32,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        user_agent: str = f"jobadapter/{_VERSION}",
    ) -> None:
        check_header("User-Agent", user_agent)
        self.timeouts = timeouts
        self.retry = retry
        self.max_response_bytes = max_response_bytes
        self.user_agent = user_agent
        self.stats = TransportStats()
        self._sleep = sleep
        self._rng = rng or random.Random()  # jitter, not crypto
        self._pools = Pools(pool_maxsize)
        self._pool = self._pools.manager

    def __repr__(self) -> str:
        return (
            f"<Transport timeouts={self.timeouts.connect}s/{self.timeouts.read}s "
            f"max_attempts={self.retry.max_attempts} budget={self.retry.budget}s>"
        )

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._pools.clear()

    # -- public calls -------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        json: Any = UNSET,
        form: Mapping[str, str] | None = None,
        multipart: Mapping[str, Any] | None = None,
        gzip_body: bool = False,
        idempotency_key: str | None = None,
        retry_unsafe: bool = False,
        retry_refused: bool = False,
        timeouts: Timeouts | None = None,
        verify_tls: bool = True,
        on_retry: Callable[[int, float, str], None] | None = None,
        trusted_origins: Collection[str] = (),
    ) -> Response:
        """Send one request, retrying what is safe to retry; return the final answer.

        Non-2xx answers are returned, not raised: the provider's error mapping
        decides what they mean. Raises TransientError when the provider could
        not be reached within the retry budget. ``retry_refused``: the provider
        documents that a refused request (429, 503 with Retry-After) created
        nothing, so even a POST without a key is tried again on one (see
        ``retrying``). ``trusted_origins``: origins besides the request's own
        that credentials may follow a redirect to.
        """
        method = check_method(method)
        check_url(url)
        prepared = prepare_headers(self.user_agent, headers)
        if body is None and json is UNSET and form is None and multipart is None:
            payload = None  # a GET: nothing to encode
        else:
            payload = encode_payload(prepared, body, json, form, multipart)
        if gzip_body and payload is not None:
            payload = gzip.compress(payload, mtime=0)
            prepared.put("Content-Encoding", "gzip")
        if idempotency_key is not None:
            if not 0 < len(idempotency_key) <= 255:
                raise InvalidRequest("idempotency key must be 1-255 characters")
            check_header("Idempotency-Key", idempotency_key)
            prepared.put("Idempotency-Key", idempotency_key)
        response, _ = self._call(
            method,
            url,
            prepared,
            payload,
            unsafe_ok=retry_unsafe or idempotency_key is not None,
            retry_refused=retry_refused,
            timeouts=timeouts or self.timeouts,
            verify_tls=verify_tls,
            on_retry=on_retry,
            dest=None,
            max_bytes=self.max_response_bytes,
            trusted=trusted_origins,
        )
        return response

    def download(
        self,
        url: str,
        dest: BinaryIO,
        *,
        headers: Mapping[str, str] | None = None,
        verify_tls: bool = True,
        max_bytes: int | None = None,
        trusted_origins: Collection[str] = (),
    ) -> int:
        """Stream a GET into ``dest``; return the bytes written (decoded).

        ``max_bytes=None`` means no cap (the file goes to ``dest``, not memory).
        A non-2xx answer raises the typed error for its status. An interrupted
        body is retried when ``dest`` is seekable (rewound and truncated first).
        """
        check_url(url)
        response, written = self._call(
            "GET",
            url,
            prepare_headers(self.user_agent, headers),
            None,
            unsafe_ok=False,
            retry_refused=False,
            timeouts=self.timeouts,
            verify_tls=verify_tls,
            on_retry=None,
            dest=dest,
            max_bytes=max_bytes,
            trusted=trusted_origins,
        )
        if not response.ok:
            raise status_error(response)
        return written

    # -- the loop -----------------------------------------------------------

    def _call(
        self,
        method: str,
        url: str,
        headers: RequestHeaders,
        body: bytes | None,
        *,
        unsafe_ok: bool,
        retry_refused: bool,
        timeouts: Timeouts,
        verify_tls: bool,
        on_retry: Callable[[int, float, str], None] | None,
        dest: BinaryIO | None,
        max_bytes: int | None,
        trusted: Collection[str],
    ) -> tuple[Response, int]:
        policy = self.retry
        waited = 0.0
        attempt = 0  # tries of the current request (a redirect hop starts no new try)
        hops = 0
        start = dest.tell() if dest is not None and dest.seekable() else None
        debug = log.isEnabledFor(logging.DEBUG)  # once: the arguments cost more than the call

        while True:
            attempt += 1
            may_retry = method in IDEMPOTENT_METHODS or unsafe_ok
            left, outer = start_try(timeouts.read)  # the answer deadline, until end_try
            try:
                if left is not None and left <= 0:
                    raise TransientError(
                        f"{CALL_DEADLINE} (after {attempt - 1} attempt(s))",
                        method=method,
                        url=safe_url(url),
                    )
                try:
                    if debug:
                        log.debug(
                            "%s %s headers=%s body=%d bytes",
                            method,
                            safe_url(url),
                            redact_headers(headers),
                            len(body or b""),
                        )
                    self.stats.sent(len(body) if body else 0)
                    raw = self._pools.send(
                        method,
                        url,
                        headers,
                        body,
                        # inline of within_call_deadline: it runs on every try
                        timeouts
                        if left is None or left >= timeouts.connect
                        else within_call_deadline(timeouts, left),
                        verify_tls,
                    )
                    try:
                        status = raw.status
                        location = raw.headers.get("Location") if status in REDIRECTS else None
                        if location:
                            discard(raw)
                            hops += 1
                            if hops > MAX_REDIRECTS:
                                raise ProviderResponseError(
                                    f"more than {MAX_REDIRECTS} redirects",
                                    status=status,
                                    method=method,
                                    url=safe_url(url),
                                )
                            method, url, headers, body = follow_redirect(
                                status, location, method, url, headers, body, trusted
                            )
                            self.stats.add(redirects=1)
                            attempt -= 1
                            continue
                        if status >= 429 and retry_answer(  # every status retried is 429 or more
                            status, raw.headers, idempotent=may_retry, refusals_safe=retry_refused
                        ):
                            hint = retry_hint(status, raw.headers)
                            wait = plan(policy, attempt, waited, hint, self._rng)
                            if wait is not None:
                                discard(raw)
                                self._pause(
                                    policy, method, url, attempt, wait, f"HTTP {status}", on_retry
                                )
                                waited += wait
                                continue
                        if dest is not None and 200 <= status < 300:
                            if start is not None:
                                dest.seek(start)
                                dest.truncate()
                            lift_answer_deadline()  # a file may take long: per-read timeouts
                            written = read_into(
                                raw, method, url, max_bytes, dest, self.stats.received
                            )
                            data = b""
                        else:
                            written = 0
                            data = read_all(
                                raw, method, url, self.max_response_bytes, self.stats.received
                            )
                    finally:
                        raw.release_conn()
                except Failure as failure:
                    if answer_deadline_passed():
                        failure.reason = late_reason(timeouts.read)
                    if dest is not None and start is None and failure.written:
                        may_retry = False
                    if not (may_retry or not failure.sent):
                        raise give_up(failure, method, url, attempt, retried=False) from None
                    wait = plan(policy, attempt, waited, None, self._rng)
                    if wait is None:
                        raise give_up(failure, method, url, attempt, retried=True) from None
                    self._pause(policy, method, url, attempt, wait, failure.reason, on_retry)
                    waited += wait
                    continue
            finally:
                end_try(outer)
            response = Response.from_wire(status, raw.headers, data, method, url)
            if debug:
                log.debug(
                    "%s %s -> %s (%d bytes, request id %s)",
                    method,
                    response.url,
                    status,
                    len(data) or written,
                    response.request_id,
                )
            return response, written

    def _pause(
        self,
        policy: RetryPolicy,
        method: str,
        url: str,
        attempt: int,
        wait: float,
        reason: str,
        on_retry: Callable[[int, float, str], None] | None,
    ) -> None:
        """Say why, count it, tell the caller, and wait before the next try."""
        log.info(
            "%s %s: %s; retry %d/%d in %.2fs",
            method,
            safe_url(url),
            reason,
            attempt + 1,
            policy.max_attempts,
            wait,
        )
        self.stats.add(retries=1)
        if on_retry is not None:
            on_retry(attempt, wait, reason)
        self._sleep(wait)

    def _pool_for(self, url: str, verify_tls: bool) -> tuple[urllib3.HTTPConnectionPool, str]:
        """The connection pool for ``url``'s origin and the request target to send it."""
        return self._pools.pool_for(url, verify_tls)
