"""HTTP for every provider: one connection pool, timeouts, retries, gzip, safe redirects.

Everything that talks to a provider goes through :class:`Transport`, so the
rules that keep jobs from being lost or duplicated (which requests may be
retried, how long to wait) and that keep secrets out of logs live in one place.
We read bodies ourselves (``decode_content=False``) to cap the decompressed
size, and follow redirects ourselves to strip credentials on a change of host.
"""

from __future__ import annotations

import gzip
import json as _json
import logging
import random
import re
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from typing import Any, BinaryIO
from urllib.parse import urlencode, urljoin, urlsplit

import attrs
import urllib3
from urllib3._collections import HTTPHeaderDict
from urllib3.connectionpool import port_by_scheme
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationValueError,
    SSLError,
    URLSchemeUnknown,
)
from urllib3.util import parse_url

from jobadapter.errors import (
    InvalidRequest,
    ProviderError,
    ProviderResponseError,
    RateLimited,
    TransientError,
    error_class_for_status,
    request_id_from,
)
from jobadapter.redact import SECRET_HEADERS, get_logger, redact_headers, redact_text
from jobadapter.retry import RetryPolicy, parse_retry_after, wait_hint
from jobadapter.urls import SentURL, has_control_chars, plain_url, safe_url, same_origin

__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "Response",
    "Timeouts",
    "Transport",
    "TransportStats",
]

try:
    _VERSION = metadata.version("jobadapter")
except metadata.PackageNotFoundError:  # running from a source tree
    _VERSION = "0"

_UNSET: Any = object()
#: ``json.loads``'s own default decoder settings.
_DECODER = _json.JSONDecoder()

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
#: Statuses retried for any retryable request; 500 only for idempotent methods.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_OUT_CHUNK = 1024 * 1024
#: A compressed body that expands more than this many times, past ``BOMB_FLOOR``
#: decoded bytes, is a decompression bomb (text rarely beats 100:1; zeros reach 1000:1).
#: It guards downloads, which have no size cap of their own.
BOMB_RATIO = 500
BOMB_FLOOR = 16 * 2**20
#: Headers that must not follow a redirect to another origin (values holding a
#: registered secret are dropped too).
_ORIGIN_BOUND = SECRET_HEADERS | {"x-auth-token", "x-zoho-oauthtoken", "apikey", "host"}
_BODY_HEADERS = ("Content-Type", "Content-Encoding", "Content-Length", "Idempotency-Key")
#: An HTTP token (RFC 9110), matched whole: ``$`` would let a trailing newline through.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

log = get_logger("transport")


@attrs.frozen
class Timeouts:
    """Seconds to wait for a connection, and between bytes of the answer."""

    connect: float = 10.0
    read: float = 60.0


def _header_dict(headers: Mapping[str, str]) -> Mapping[str, str]:
    """Case-insensitive headers, whatever mapping the caller built the Response with."""
    return headers if isinstance(headers, HTTPHeaderDict) else HTTPHeaderDict(headers)


def _sent_url(url: str | SentURL) -> SentURL:
    """The URL a Response was built with (``attrs.evolve`` passes the kept one back)."""
    return url if isinstance(url, SentURL) else SentURL(url)


@attrs.frozen(repr=False)
class Response:
    """A fully read answer. ``url`` is the final URL, safe to log."""

    status: int
    headers: Mapping[str, str] = attrs.field(converter=_header_dict)
    data: bytes
    method: str
    #: The URL as sent, shown only made safe (in ``url``, a repr, a pickle or a test's
    #: diff). Only errors and logs read ``url``, so most answers never pay for it.
    _sent: SentURL = attrs.field(alias="url", converter=_sent_url)
    #: The decoded JSON, once ``json()`` has parsed it: the provider's error check and
    #: the adapter both read the body, and it is decoded only once.
    _json: Any = attrs.field(default=_UNSET, init=False, eq=False)

    def __repr__(self) -> str:
        return f"Response(status={self.status!r}, method={self.method!r}, url={self.url!r})"

    @property
    def url(self) -> str:
        """The final URL, without userinfo and with secret query values masked."""
        return self._sent.safe()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def request_id(self) -> str | None:
        return request_id_from(self.headers)

    @property
    def text(self) -> str:
        charset = "utf-8"
        match = re.search(r"charset=([\w.:-]+)", self.headers.get("Content-Type", ""), re.I)
        if match:
            charset = match.group(1)
        try:
            return self.data.decode(charset, "replace")
        except LookupError:
            return self.data.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON; ProviderResponseError (never a bare ValueError) when it is not.

        Parsed once per response: later calls return the same (shared) object.
        """
        if self._json is not _UNSET:
            return self._json
        value = self._parse_json()
        object.__setattr__(self, "_json", value)  # frozen: a memo, not a field of the answer
        return value

    def _parse_json(self) -> Any:
        html = "an HTML page where JSON was expected (a proxy, login or error page?)"
        if self.data[:1] not in (b"{", b"["):  # else neither empty nor a page: no copies
            if not self.data.strip():
                raise self._bad("empty body where JSON was expected")
            if self.data.lstrip()[:1] == b"<":
                raise self._bad(html)
        elif self.data[1:2] != b"\0":  # UTF-8 (UTF-16 and -32 put a NUL next to the "{")
            # ``json.loads`` of bytes, without its encoding sniffing and Python-level steps:
            # about half its time for a status answer. Anything unusual (a bad byte,
            # bad JSON, data after the value) goes the full way below, for its error.
            try:
                text = self.data.decode("utf-8")
                value, end = _DECODER.raw_decode(text)
                if end == len(text) or not text[end:].strip(" \t\n\r"):
                    return value
            except (ValueError, RecursionError):
                pass
        try:
            return _json.loads(self.data)
        except UnicodeDecodeError:
            raise self._bad("malformed JSON: not valid UTF-8") from None
        except RecursionError:
            raise self._bad("malformed JSON: nested too deeply") from None
        except _json.JSONDecodeError as exc:
            if "html" in self.headers.get("Content-Type", "").lower():
                raise self._bad(html) from None
            at_end = exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated")
            reason = (
                "truncated JSON (the body ends mid-document)"
                if at_end
                else f"malformed JSON ({exc.msg} at character {exc.pos})"
            )
            raise self._bad(reason) from None

    def _bad(self, reason: str) -> ProviderResponseError:
        return ProviderResponseError(
            f"{reason}; {len(self.data)} bytes of {self.headers.get('Content-Type') or 'no type'}",
            status=self.status,
            request_id=self.request_id,
            method=self.method,
            url=self.url,
        )


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


class _Failure(Exception):
    """A try that got no usable answer; ``sent`` says whether the request left us."""

    def __init__(self, reason: str, *, sent: bool, truncated_gzip: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sent = sent
        self.truncated_gzip = truncated_gzip
        self.written = 0  # body bytes already handed to the caller's file


class _Decoder:
    """Streaming Content-Encoding decoder that refuses to produce more than ``limit`` bytes."""

    def __init__(
        self, encoding: str, limit: int | None, too_large: Callable[[], Exception]
    ) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        self._wbits: int | None
        if not codings:
            self._wbits = None
        elif codings in (["gzip"], ["x-gzip"]):
            self._wbits = 16 + zlib.MAX_WBITS
        elif codings == ["deflate"]:
            self._wbits = 32 + zlib.MAX_WBITS  # zlib or gzip header, auto-detected
        else:
            raise ProviderResponseError(f"unsupported Content-Encoding {encoding!r}")
        self._limit = limit
        self._too_large = too_large
        self._produced = 0
        self._consumed = 0
        self._z = self._new()
        self._fed = False

    def _new(self) -> Any:
        return zlib.decompressobj(self._wbits) if self._wbits is not None else None

    def _count(self, out: bytes) -> bytes:
        self._produced += len(out)
        if self._limit is not None and self._produced > self._limit:
            raise self._too_large()
        if (
            self._z is not None
            and self._produced > BOMB_FLOOR
            and self._produced > BOMB_RATIO * self._consumed
        ):
            raise ProviderResponseError(
                f"compressed body expands more than {BOMB_RATIO} times (a decompression "
                "bomb?); refusing to read it"
            )
        return out

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._z is None:
            yield self._count(data)
            return
        if not data:
            return
        self._consumed += len(data)
        pending, self._fed = data, True
        while True:
            room = _OUT_CHUNK
            if self._limit is not None:
                room = min(room, self._limit - self._produced + 1)
            try:
                out = self._z.decompress(pending, room)
            except zlib.error as exc:
                raise ProviderResponseError(f"corrupt compressed body ({exc})") from None
            if out:
                yield self._count(out)
            if self._z.eof:  # a gzip member ended; another may follow
                pending = self._z.unused_data.lstrip(b"\0")
                self._z, self._fed = self._new(), bool(pending)
                if not pending:
                    return
                continue
            pending = self._z.unconsumed_tail
            if not pending and len(out) < room:
                return

    def finish(self) -> Iterator[bytes]:
        if self._z is None or not self._fed:
            return
        out = self._z.flush()
        if out:
            yield self._count(out)
        if not self._z.eof:
            raise _Failure("truncated compressed body", sent=True, truncated_gzip=True)


#: Header names already found valid (a valid name stays valid): most requests send the
#: same few, so the name check is a set lookup. Bounded, should callers invent names.
_VALID_NAMES: set[str] = set()
_STANDARD_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _check_header(name: Any, value: Any) -> None:
    if (
        name.__class__ is str
        and name in _VALID_NAMES
        and value.__class__ is str
        and value.isascii()
        and value.isprintable()  # printable ASCII: no CR, LF or NUL, and all latin-1
    ):
        return
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise InvalidRequest(f"invalid header name {redact_text(str(name))!r}")
    if not isinstance(value, str):
        raise InvalidRequest(f"header {name!r} must be a string, got {type(value).__name__}")
    if "\r" in value or "\n" in value or "\0" in value:
        raise InvalidRequest(
            f"header {name!r} contains CR, LF or NUL (header injection); refusing to send it"
        )
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidRequest(
            f"header {name!r} holds characters HTTP headers cannot carry"
        ) from None
    if name.__class__ is str and len(_VALID_NAMES) < 256:
        _VALID_NAMES.add(name)


def _check_url(url: str) -> None:
    if isinstance(url, str) and plain_url(url) is not None:
        return  # absolute http(s), and no character outside RFC 3986's: nothing to refuse
    if not isinstance(url, str) or has_control_chars(url):
        raise InvalidRequest("URL contains a control character (CR, LF or similar)")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidRequest(f"not an absolute http(s) URL: {safe_url(url)!r}")


def _split_target(url: str) -> tuple[str | None, str | None, int | None, str]:
    """Scheme, host, port and request target of ``url``, as urllib3's ``parse_url`` gives them.

    A plain URL (see ``PLAIN_URL``) without dot segments is one ``parse_url`` leaves
    as it is, so its parts are read from the match; any other goes through ``parse_url``.
    """
    plain = plain_url(url)
    if plain is not None:
        scheme, host, port, path, query = plain.groups()
        number = int(port) if port else None
        if "/." not in path and (number is None or number <= 65535):
            target = path or "/"
            return scheme, host, number, target if query is None else f"{target}?{query}"
    parsed = parse_url(url)
    return parsed.scheme, parsed.host, parsed.port, parsed.request_uri


class Transport:
    """One connection pool with the retry, redirect, size and secrecy rules.

    Thread-safe: share one per process (the hub does).
    """

    def __init__(
        self,
        *,
        timeouts: Timeouts = Timeouts(),  # frozen, safe to share
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008
        max_response_bytes: int = 64 * 2**20,
        pool_maxsize: int = 32,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        user_agent: str = f"jobadapter/{_VERSION}",
    ) -> None:
        _check_header("User-Agent", user_agent)
        self.timeouts = timeouts
        self.retry = retry
        self.max_response_bytes = max_response_bytes
        self.user_agent = user_agent
        self.stats = TransportStats()
        self._sleep = sleep
        self._rng = rng or random.Random()  # jitter, not crypto
        self._pool = urllib3.PoolManager(
            num_pools=16, maxsize=pool_maxsize, block=False, retries=False
        )
        #: (scheme, host, port, verify_tls) -> the pool manager's key and request context
        #: for it: what ``connection_from_host`` would rebuild on every request.
        self._pool_keys: dict[tuple[Any, ...], tuple[Any, dict[str, Any]]] = {}
        #: Timeouts -> the urllib3 Timeout for them (urllib3 clones it for each request).
        self._timeouts: dict[Timeouts, urllib3.Timeout] = {}

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
        self._pool.clear()

    # -- public calls -------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        json: Any = _UNSET,
        form: Mapping[str, str] | None = None,
        multipart: Mapping[str, Any] | None = None,
        gzip_body: bool = False,
        idempotency_key: str | None = None,
        retry_unsafe: bool = False,
        timeouts: Timeouts | None = None,
        verify_tls: bool = True,
        on_retry: Callable[[int, float, str], None] | None = None,
    ) -> Response:
        """Send one request, retrying what is safe to retry; return the final answer.

        Non-2xx answers are returned, not raised: the provider's error mapping
        decides what they mean. Raises TransientError when the provider could
        not be reached within the retry budget.
        """
        method = self._method(method)
        _check_url(url)
        prepared = self._headers(headers)
        payload = self._payload(prepared, body, json, form, multipart)
        if gzip_body and payload is not None:
            payload = gzip.compress(payload, mtime=0)
            prepared["Content-Encoding"] = "gzip"
        if idempotency_key is not None:
            if not 0 < len(idempotency_key) <= 255:
                raise InvalidRequest("idempotency key must be 1-255 characters")
            _check_header("Idempotency-Key", idempotency_key)
            prepared["Idempotency-Key"] = idempotency_key
        response, _ = self._call(
            method,
            url,
            prepared,
            payload,
            unsafe_ok=retry_unsafe or idempotency_key is not None,
            timeouts=timeouts or self.timeouts,
            verify_tls=verify_tls,
            on_retry=on_retry,
            dest=None,
            max_bytes=self.max_response_bytes,
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
    ) -> int:
        """Stream a GET into ``dest``; return the bytes written (decoded).

        ``max_bytes=None`` means no cap (the file goes to ``dest``, not memory).
        A non-2xx answer raises the typed error for its status. An interrupted
        body is retried when ``dest`` is seekable (rewound and truncated first).
        """
        _check_url(url)
        response, written = self._call(
            "GET",
            url,
            self._headers(headers),
            None,
            unsafe_ok=False,
            timeouts=self.timeouts,
            verify_tls=verify_tls,
            on_retry=None,
            dest=dest,
            max_bytes=max_bytes,
        )
        if not response.ok:
            raise _status_error(response)
        return written

    # -- preparation --------------------------------------------------------

    @staticmethod
    def _method(method: str) -> str:
        if method.__class__ is str and method in _STANDARD_METHODS:
            return method
        if not isinstance(method, str) or not _TOKEN.fullmatch(method):
            raise InvalidRequest(f"invalid HTTP method {method!r}")
        return method.upper()

    def _headers(self, headers: Mapping[str, str] | None) -> HTTPHeaderDict:
        prepared = HTTPHeaderDict()  # filled item by item: cheaper than from a dict
        prepared["User-Agent"] = self.user_agent
        for name, value in (headers or {}).items():
            _check_header(name, value)
            prepared[name] = value
        prepared["Accept-Encoding"] = "gzip"  # we decode (and cap) it ourselves
        return prepared

    @staticmethod
    def _payload(
        headers: HTTPHeaderDict,
        body: bytes | None,
        json: Any,
        form: Mapping[str, str] | None,
        multipart: Mapping[str, Any] | None,
    ) -> bytes | None:
        if body is None and json is _UNSET and form is None and multipart is None:
            return None  # no body: a GET
        given = [body is not None, json is not _UNSET, form is not None, multipart is not None]
        if sum(given) > 1:
            raise InvalidRequest("pass only one of body, json, form and multipart")
        if json is not _UNSET:
            try:
                text = _json.dumps(json, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise InvalidRequest(f"request body is not JSON-serialisable: {exc}") from None
            headers.setdefault("Content-Type", "application/json")
            return text.encode("utf-8")
        if form is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            return urlencode(list(form.items())).encode("ascii")
        if multipart is not None:
            data, content_type = urllib3.encode_multipart_formdata(dict(multipart))
            headers["Content-Type"] = content_type
            return data
        if body is not None and not isinstance(body, bytes):
            raise InvalidRequest(f"body must be bytes, got {type(body).__name__}")
        return body

    # -- the loop -----------------------------------------------------------

    def _call(
        self,
        method: str,
        url: str,
        headers: HTTPHeaderDict,
        body: bytes | None,
        *,
        unsafe_ok: bool,
        timeouts: Timeouts,
        verify_tls: bool,
        on_retry: Callable[[int, float, str], None] | None,
        dest: BinaryIO | None,
        max_bytes: int | None,
    ) -> tuple[Response, int]:
        policy = self.retry
        waited = 0.0
        attempt = 0  # tries of the current request (a redirect hop starts no new try)
        hops = 0
        start = dest.tell() if dest is not None and dest.seekable() else None

        while True:
            attempt += 1
            may_retry = method in IDEMPOTENT_METHODS or unsafe_ok
            try:
                raw = self._send(method, url, headers, body, timeouts, verify_tls)
                try:
                    status = raw.status
                    location = raw.headers.get("Location") if status in _REDIRECTS else None
                    if location:
                        self._discard(raw)
                        hops += 1
                        if hops > MAX_REDIRECTS:
                            raise ProviderResponseError(
                                f"more than {MAX_REDIRECTS} redirects",
                                status=status,
                                method=method,
                                url=safe_url(url),
                            )
                        method, url, headers, body = self._redirect(
                            status, location, method, url, headers, body
                        )
                        self.stats.add(redirects=1)
                        attempt -= 1
                        continue
                    # A 500 may come after the work was done: retried only for requests
                    # that are idempotent (by method, or by their idempotency key).
                    retryable = status in RETRY_STATUSES or status == 500
                    if retryable and may_retry:
                        # RateLimit-Reset says when the rate window resets: a reason to
                        # wait on a 429, not on a 5xx (Zuora sends it on every answer).
                        hint = (
                            wait_hint(raw.headers)
                            if status == 429
                            else parse_retry_after(raw.headers.get("Retry-After"))
                        )
                        wait = self._plan(policy, attempt, waited, hint)
                        if wait is not None:
                            self._discard(raw)
                            self._pause(
                                policy, method, url, attempt, wait, f"HTTP {status}", on_retry
                            )
                            waited += wait
                            continue
                    if dest is not None and 200 <= status < 300:
                        if start is not None:
                            dest.seek(start)
                            dest.truncate()
                        written = self._read(raw, method, url, max_bytes, dest)
                        data = b""
                    else:
                        written = 0
                        data = self._read_all(raw, method, url, self.max_response_bytes)
                finally:
                    raw.release_conn()
            except _Failure as failure:
                if dest is not None and start is None and failure.written:
                    may_retry = False
                if not (may_retry or not failure.sent):
                    raise self._give_up(failure, method, url, attempt, retried=False) from None
                wait = self._plan(policy, attempt, waited, None)
                if wait is None:
                    raise self._give_up(failure, method, url, attempt, retried=True) from None
                self._pause(policy, method, url, attempt, wait, failure.reason, on_retry)
                waited += wait
                continue
            response = Response(
                status=status, headers=raw.headers, data=data, method=method, url=url
            )
            if log.isEnabledFor(logging.DEBUG):  # the arguments cost more than the call
                log.debug(
                    "%s %s -> %s (%d bytes, request id %s)",
                    method,
                    response.url,
                    status,
                    len(data) or written,
                    response.request_id,
                )
            return response, written

    def _plan(
        self, policy: RetryPolicy, attempt: int, waited: float, hint: float | None
    ) -> float | None:
        """The wait before try ``attempt + 1``, or None when attempts or budget are spent."""
        wait = (
            min(hint, policy.retry_after_cap)
            if hint is not None
            else policy.backoff(attempt - 1, self._rng)
        )
        if attempt >= policy.max_attempts or waited + wait > policy.budget:
            return None
        return wait

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

    def _send(
        self,
        method: str,
        url: str,
        headers: HTTPHeaderDict,
        body: bytes | None,
        timeouts: Timeouts,
        verify_tls: bool,
    ) -> urllib3.BaseHTTPResponse:
        if log.isEnabledFor(logging.DEBUG):  # redacting every header costs more than the call
            log.debug(
                "%s %s headers=%s body=%d bytes",
                method,
                safe_url(url),
                redact_headers(headers),
                len(body or b""),
            )
        self.stats.sent(len(body) if body else 0)
        try:
            pool, target = self._pool_for(url, verify_tls)
            return pool.urlopen(
                method,
                target,
                body=body,
                headers=headers,
                retries=False,
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
            raise _Failure(f"TLS error: {_brief(exc)}", sent=True) from None
        except ConnectTimeoutError as exc:  # includes NewConnectionError: nothing was sent
            raise _Failure(f"cannot connect: {_brief(exc)}", sent=False) from None
        except HTTPError as exc:
            raise _Failure(f"connection error: {_brief(exc)}", sent=True) from None

    def _pool_for(self, url: str, verify_tls: bool) -> tuple[urllib3.HTTPConnectionPool, str]:
        """The connection pool for ``url``'s origin and the request target to send it.

        What ``PoolManager.connection_from_host`` does, with the pool key it builds
        (the same for every request to a host) remembered per origin.
        """
        scheme, host, port, target = _split_target(url)
        if not host:
            raise LocationValueError("No host specified.")
        origin = (scheme, host, port, verify_tls)
        known = self._pool_keys.get(origin)
        if known is None:
            manager = self._pool
            context = dict(manager.connection_pool_kw)
            if not verify_tls:
                context.update(cert_reqs=ssl.CERT_NONE, assert_hostname=False)
            context["scheme"] = scheme = (scheme or "http").lower()
            context["port"] = port if port is not None else port_by_scheme.get(scheme, 80)
            context["host"] = host
            key_fn = manager.key_fn_by_scheme.get(scheme)
            if key_fn is None:
                raise URLSchemeUnknown(scheme)
            if len(self._pool_keys) >= 64:  # a bound, should a process talk to many hosts
                self._pool_keys.clear()
            known = self._pool_keys[origin] = (key_fn(context), context)
        # A copy: the pool manager takes scheme, host and port out of a new pool's context.
        pool = self._pool.connection_from_pool_key(known[0], request_context=dict(known[1]))
        return pool, target

    def _urllib3_timeout(self, timeouts: Timeouts) -> urllib3.Timeout:
        timeout = self._timeouts.get(timeouts)
        if timeout is None:
            if len(self._timeouts) >= 64:
                self._timeouts.clear()
            timeout = urllib3.Timeout(connect=timeouts.connect, read=timeouts.read)
            self._timeouts[timeouts] = timeout
        return timeout

    def _read_all(
        self, raw: urllib3.BaseHTTPResponse, method: str, url: str, limit: int | None
    ) -> bytes:
        """The decoded body of ``raw``, in memory, within ``limit`` bytes.

        An unencoded body whose Content-Length is within the limit and one read's
        size is read in one call (``http.client`` reads exactly that many bytes, and
        urllib3 raises if fewer come); any other body is streamed through the decoder.
        """
        headers = raw.headers
        length = headers.get("Content-Length")
        if (
            length is not None
            and length.isascii()
            and length.isdigit()
            and int(length) <= min(_CHUNK, _CHUNK if limit is None else limit)
            # ``in``, not ``get``: a missing header costs ``get`` a KeyError
            and "Content-Encoding" not in headers
            and "Transfer-Encoding" not in headers  # it overrides Content-Length
        ):
            try:
                data = raw.read(decode_content=False)
            except HTTPError as exc:
                raw.close()
                raise _Failure(f"connection broken mid-body: {_brief(exc)}", sent=True) from None
            except BaseException:
                raw.close()  # never hand a half-read connection back to the pool
                raise
            self.stats.received(len(data))
            return data
        buffer = _Buffer()
        self._read(raw, method, url, limit, buffer)
        return buffer.getvalue()

    def _read(
        self,
        raw: urllib3.BaseHTTPResponse,
        method: str,
        url: str,
        limit: int | None,
        out: BinaryIO | _Buffer,
    ) -> int:
        """Copy the decoded body of ``raw`` into ``out``; return the bytes written."""

        def too_large() -> ProviderResponseError:
            return ProviderResponseError(
                f"response body larger than {limit} bytes (decompressed); refusing to read it",
                status=raw.status,
                request_id=request_id_from(raw.headers),
                method=method,
                url=safe_url(url),
            )

        try:
            length = int(raw.headers.get("Content-Length", ""))
        except ValueError:
            length = None
        written = 0
        try:
            decoder = _Decoder(raw.headers.get("Content-Encoding", ""), limit, too_large)
            if limit is not None and length is not None and length > limit:
                raise too_large()
            received = 0
            for chunk in raw.stream(_CHUNK, decode_content=False):
                received += len(chunk)
                self.stats.received(len(chunk))
                if limit is not None and received > limit:
                    raise too_large()
                for piece in decoder.feed(chunk):
                    out.write(piece)
                    written += len(piece)
            for piece in decoder.finish():
                out.write(piece)
                written += len(piece)
        except HTTPError as exc:
            raw.close()
            failure = _Failure(f"connection broken mid-body: {_brief(exc)}", sent=True)
            failure.written = written
            raise failure from None
        except _Failure as failure:
            raw.close()
            failure.written = written
            raise
        except BaseException:
            raw.close()  # never hand a half-read connection back to the pool
            raise
        return written

    @staticmethod
    def _discard(raw: urllib3.BaseHTTPResponse) -> None:
        """Drop a body we will not use; reuse the connection only when it is small."""
        remaining = raw.length_remaining
        if remaining is not None and remaining <= _CHUNK:
            raw.drain_conn()
        else:
            raw.close()

    @staticmethod
    def _redirect(
        status: int,
        location: str,
        method: str,
        url: str,
        headers: HTTPHeaderDict,
        body: bytes | None,
    ) -> tuple[str, str, HTTPHeaderDict, bytes | None]:
        target = urljoin(url, location)
        try:
            _check_url(target)
        except InvalidRequest:
            raise ProviderResponseError(
                "redirect to an unusable location", status=status, method=method, url=safe_url(url)
            ) from None
        headers = HTTPHeaderDict(headers)
        if status == 303 and method != "HEAD":
            method, body = "GET", None
            for name in _BODY_HEADERS:
                headers.discard(name)
        if not same_origin(url, target):
            if body is not None and _carries_secret(body):
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
                    headers.discard(name)
        log.debug("redirect %s -> %s (%s)", safe_url(url), safe_url(target), status)
        return method, target, headers, body

    def _give_up(
        self, failure: _Failure, method: str, url: str, attempts: int, *, retried: bool
    ) -> ProviderError:
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


class _Buffer:
    """A write-only bytes sink (what ``_read`` needs from a file)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(data)
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


def _carries_secret(body: bytes) -> bool:
    """Whether ``body`` holds a known secret or a credential field (a token request's form)."""
    text = body.decode("latin-1")
    return redact_text(text) != text


def _brief(exc: BaseException) -> str:
    """A one-line, secret-free description of a connection error."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    text = re.sub(r"<urllib3\.[^>]*>: ", "", text)
    return redact_text(text[:200])


def _status_error(response: Response) -> ProviderError:
    """The typed error for a failed download (no provider body mapping applies to files)."""
    cls = error_class_for_status(response.status)
    kwargs: dict[str, Any] = dict(
        status=response.status,
        request_id=response.request_id,
        method=response.method,
        url=response.url,
    )
    message = f"download failed with HTTP {response.status}"
    if cls is RateLimited:
        return RateLimited(message, retry_after=wait_hint(response.headers), **kwargs)
    return cls(message, **kwargs)
