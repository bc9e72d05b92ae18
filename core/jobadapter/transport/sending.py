"""Sending, part two: a request on the wire, and where a redirect may take it.

One urllib3 ``PoolManager`` per transport, with its pool keys and timeouts
remembered per origin. We follow redirects ourselves, to strip credentials on
a change of origin and to refuse carrying a secret-bearing body to another host.
"""

from __future__ import annotations

import ssl
from collections.abc import Collection
from typing import Any
from urllib.parse import urljoin

import attrs
import urllib3
from urllib3.connectionpool import port_by_scheme
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationValueError,
    SSLError,
    URLSchemeUnknown,
)

from jobadapter.errors import InvalidRequest, ProviderError, ProviderResponseError
from jobadapter.redact import SECRET_HEADERS, get_logger, redact_text
from jobadapter.transport.deadline import pool_classes
from jobadapter.transport.failure import Failure, brief
from jobadapter.transport.headers import RequestHeaders
from jobadapter.transport.prepare import check_url, split_target
from jobadapter.urls import origin_key, safe_url, same_origin

__all__ = [
    "MAX_REDIRECTS",
    "REDIRECTS",
    "Pools",
    "Timeouts",
    "follow_redirect",
    "within_call_deadline",
]

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
#: Headers that must not follow a redirect to another origin (values holding a
#: registered secret are dropped too).
_ORIGIN_BOUND = SECRET_HEADERS | {"x-auth-token", "x-zoho-oauthtoken", "apikey", "host"}
_BODY_HEADERS = ("Content-Type", "Content-Encoding", "Content-Length", "Idempotency-Key")
#: What urllib3 makes of ``retries=False, redirect=False`` on every request (a new
#: ``Retry`` each time); it is never changed in place, so one serves every request.
_NO_RETRIES = urllib3.Retry(False, redirect=False)

log = get_logger("transport")


@attrs.frozen
class Timeouts:
    """Seconds to wait for a connection, and between bytes of the answer."""

    connect: float = 10.0
    read: float = 60.0


class Pools:
    """The connection pools of one transport, and the sending of one try through them."""

    def __init__(self, maxsize: int) -> None:
        self.manager = urllib3.PoolManager(
            num_pools=16, maxsize=maxsize, block=False, retries=False
        )
        # Connections whose answers are read by the thread's deadline (see ``deadline``).
        self.manager.pool_classes_by_scheme = pool_classes()
        #: (scheme, host, port, verify_tls) -> the pool manager's key and request context
        #: for it: what ``connection_from_host`` would rebuild on every request.
        self._keys: dict[tuple[Any, ...], tuple[Any, dict[str, Any]]] = {}
        #: Timeouts -> the urllib3 Timeout for them (urllib3 clones it for each request).
        self._timeouts: dict[Timeouts, urllib3.Timeout] = {}
        #: The last of them, found by identity: a connection sends the same Timeouts on
        #: every request (a dict lookup runs the attrs class's Python hash and eq).
        self._last_timeout: tuple[Timeouts | None, urllib3.Timeout | None] = (None, None)

    def clear(self) -> None:
        self.manager.clear()

    def send(
        self,
        method: str,
        url: str,
        headers: RequestHeaders,
        body: bytes | None,
        timeouts: Timeouts,
        verify_tls: bool,
    ) -> urllib3.BaseHTTPResponse:
        """Send one try; a Failure when no answer came (``sent`` says if it left us).
        (The transport logs the request, once it knows DEBUG is on.)"""
        try:
            pool, target = self.pool_for(url, verify_tls)
            return pool.urlopen(
                method,
                target,
                body=body,
                headers=headers,
                retries=_NO_RETRIES,
                redirect=False,
                assert_same_host=False,
                timeout=self._urllib3_timeout(timeouts),
                preload_content=False,
                decode_content=False,
                release_conn=False,
            )
        except LocationValueError:
            raise InvalidRequest(f"invalid URL {safe_url(url)!r}") from None
        except SSLError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or any(
                isinstance(arg, ssl.SSLCertVerificationError) for arg in exc.args
            ):
                raise ProviderError(
                    "TLS certificate verification failed; check the URL and the CA bundle "
                    "(verify_tls=False is only for local test servers)",
                    method=method,
                    url=safe_url(url),
                ) from None
            raise Failure(f"TLS error: {brief(exc)}", sent=True) from None
        except ConnectTimeoutError as exc:  # includes NewConnectionError: nothing was sent
            raise Failure(f"cannot connect: {brief(exc)}", sent=False) from None
        except HTTPError as exc:
            raise Failure(f"connection error: {brief(exc)}", sent=True) from None

    def pool_for(self, url: str, verify_tls: bool) -> tuple[urllib3.HTTPConnectionPool, str]:
        """The connection pool for ``url``'s origin and the request target to send it.

        What ``PoolManager.connection_from_host`` does, with the pool key it builds
        (the same for every request to a host) remembered per origin.
        """
        scheme, host, port, target = split_target(url)
        if not host:
            raise LocationValueError("No host specified.")
        origin = (scheme, host, port, verify_tls)
        known = self._keys.get(origin)
        if known is None:
            manager = self.manager
            context = dict(manager.connection_pool_kw)
            if not verify_tls:
                context.update(cert_reqs=ssl.CERT_NONE, assert_hostname=False)
            context["scheme"] = scheme = (scheme or "http").lower()
            context["port"] = port if port is not None else port_by_scheme.get(scheme, 80)
            context["host"] = host
            key_fn = manager.key_fn_by_scheme.get(scheme)
            if key_fn is None:
                raise URLSchemeUnknown(scheme)
            if len(self._keys) >= 64:  # a bound, should a process talk to many hosts
                self._keys.clear()
            known = self._keys[origin] = (key_fn(context), context)
        # A copy: the pool manager takes scheme, host and port out of a new pool's context.
        pool = self.manager.connection_from_pool_key(known[0], request_context=dict(known[1]))
        return pool, target

    def _urllib3_timeout(self, timeouts: Timeouts) -> urllib3.Timeout:
        last = self._last_timeout  # one read: another thread may replace it
        if last[0] is timeouts and last[1] is not None:
            return last[1]
        timeout = self._timeouts.get(timeouts)
        if timeout is None:
            if len(self._timeouts) >= 64:
                self._timeouts.clear()
            timeout = urllib3.Timeout(connect=timeouts.connect, read=timeouts.read)
            self._timeouts[timeouts] = timeout
        self._last_timeout = (timeouts, timeout)
        return timeout


def follow_redirect(
    status: int,
    location: str,
    method: str,
    url: str,
    headers: RequestHeaders,
    body: bytes | None,
    trusted: Collection[str] = (),
) -> tuple[str, str, RequestHeaders, bytes | None]:
    """The method, URL, headers and body of the request a redirect asks for.

    Credentials never follow a redirect to another origin, unless that origin is
    one of ``trusted`` (origins as :func:`jobadapter.urls.origin_key` gives them:
    the ones the caller's provider declared, see ``Provider.trusted_hosts``).
    """
    target = urljoin(url, location)
    try:
        check_url(target)
    except InvalidRequest:
        raise ProviderResponseError(
            "redirect to an unusable location", status=status, method=method, url=safe_url(url)
        ) from None
    headers = RequestHeaders(headers)  # a copy: the caller's stay as they were
    if status == 303 and method != "HEAD":
        method, body = "GET", None
        for name in _BODY_HEADERS:
            headers.drop(name)
    if not same_origin(url, target) and origin_key(target) not in trusted:
        if body is not None and carries_secret(body):
            raise ProviderResponseError(
                "refusing a redirect to another host: the request body carries credentials "
                f"(redirected to {safe_url(target)})",
                status=status,
                method=method,
                url=safe_url(url),
            )
        for name in list(headers):
            value = headers[name]
            if name.lower() in _ORIGIN_BOUND or redact_text(value) != value:
                del headers[name]
    log.debug("redirect %s -> %s (%s)", safe_url(url), safe_url(target), status)
    return method, target, headers, body


def carries_secret(body: bytes) -> bool:
    """Whether ``body`` holds a known secret or a credential field (a token request's form)."""
    text = body.decode("latin-1")
    return redact_text(text) != text


def within_call_deadline(timeouts: Timeouts, left: float | None) -> Timeouts:
    """``timeouts`` with the connect timeout cut to the call deadline's time left."""
    if left is None or left >= timeouts.connect:
        return timeouts
    return Timeouts(connect=max(left, 0.01), read=timeouts.read)
