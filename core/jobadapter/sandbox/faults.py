"""Fault injection: the failures a client meets in the wild, on demand.

:class:`Faults` says how often each failure happens; :class:`FaultInjector`
draws, under a seed, which request gets which (so a failing run can be replayed);
:class:`FaultMiddleware` applies the draw in front of the simulators. The
transport, the tracker and the reliability reports are tested against it.
"""

from __future__ import annotations

import contextlib
import enum
import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import attrs
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class FaultKind(str, enum.Enum):
    """One kind of injected failure; the order is the order of the draw bands."""

    DROP = "drop"
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    HTML = "html"
    TRUNCATE = "truncate"
    MALFORMED = "malformed"


SERVER_ERROR_STATUSES = (500, 502, 503)
_PROBABILITIES = tuple(kind.value for kind in FaultKind)


def _paths(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _share(instance: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"Faults.{attribute.name} is a share between 0 and 1, not {value!r}")


def _seconds(instance: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0.0:
        raise ValueError(f"Faults.{attribute.name} is seconds >= 0, not {value!r}")


@attrs.frozen
class Faults:
    """How often each failure is injected (shares of requests, 0..1, summing to at most 1)."""

    latency: float = attrs.field(default=0.0, converter=float, validator=_seconds)
    rate_limit: float = attrs.field(default=0.0, converter=float, validator=_share)
    server_error: float = attrs.field(default=0.0, converter=float, validator=_share)
    drop: float = attrs.field(default=0.0, converter=float, validator=_share)
    truncate: float = attrs.field(default=0.0, converter=float, validator=_share)
    malformed: float = attrs.field(default=0.0, converter=float, validator=_share)
    html: float = attrs.field(default=0.0, converter=float, validator=_share)
    retry_after: float = attrs.field(default=1.0, converter=float, validator=_seconds)
    seed: int = attrs.field(default=0, converter=int)
    exempt_paths: tuple[str, ...] = attrs.field(default=(), converter=_paths)

    def __attrs_post_init__(self) -> None:
        total = sum(getattr(self, name) for name in _PROBABILITIES)
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault shares add up to {total:g}; at most 1 of requests can fail")
        for prefix in self.exempt_paths:
            if not prefix.startswith("/"):
                raise ValueError(f"Faults.exempt_paths are prefixes starting with '/': {prefix!r}")

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Read the CLI form ``"rate_limit=0.1,server_error=0.05,seed=3"``.

        ``exempt_paths`` takes prefixes separated by ``|``. An empty spec means no faults.
        """
        valid = [f.name for f in attrs.fields(cls)]
        values: dict[str, Any] = {}
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            key, sep, raw = item.partition("=")
            key, raw = key.strip().replace("-", "_"), raw.strip()
            if not sep or key not in valid:
                raise ValueError(
                    f"unknown fault setting {item!r}; valid keys: {', '.join(valid)} "
                    "(written key=value, comma separated)"
                )
            try:
                if key == "exempt_paths":
                    values[key] = tuple(p.strip() for p in raw.split("|") if p.strip())
                elif key == "seed":
                    values[key] = int(raw)
                else:
                    values[key] = float(raw)
            except ValueError:
                raise ValueError(f"fault setting {key}={raw!r} is not a number") from None
        return cls(**values)

    @property
    def any(self) -> bool:
        """Whether anything at all is injected (a latency counts)."""
        return self.latency > 0 or any(getattr(self, name) > 0 for name in _PROBABILITIES)


@attrs.frozen
class Injection:
    """The fault drawn for one request; ``status`` for the kinds that answer one."""

    kind: FaultKind
    status: int | None = None


class FaultInjector:
    """Draws faults under ``Faults.seed`` and counts them. Thread-safe.

    Each request considered takes exactly two draws from one ``random.Random``,
    so the same seed and the same request order give the same faults.
    ``exempt_paths`` here are extra prefixes never faulted whatever the
    ``faults`` (the server adds each simulator's own).
    """

    def __init__(self, faults: Faults | None = None, *, exempt_paths: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._faults = faults or Faults()
        self._rng = random.Random(self._faults.seed)
        self.always_exempt: tuple[str, ...] = tuple(exempt_paths)
        self.injected: dict[str, int] = {kind.value: 0 for kind in FaultKind}
        self.requests = 0

    @property
    def faults(self) -> Faults:
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        """Replace the settings and reseed; counts keep adding up across changes."""
        with self._lock:
            self._faults = faults
            self._rng = random.Random(faults.seed)

    def is_exempt(self, path: str) -> bool:
        prefixes = self._faults.exempt_paths + self.always_exempt
        return any(path.startswith(prefix) for prefix in prefixes)

    def decide(self, request: Request) -> Injection | None:
        """The fault to apply to ``request``, or None (always None on exempt paths)."""
        path = request.script_root + request.path
        if self.is_exempt(path):
            return None
        with self._lock:
            faults = self._faults
            self.requests += 1
            draw, pick = self._rng.random(), self._rng.random()
            edge = 0.0
            for kind in FaultKind:
                edge += getattr(faults, kind.value)
                if draw < edge:
                    self.injected[kind.value] += 1
                    return Injection(kind, _status_for(kind, pick))
            return None

    def stats(self) -> dict[str, int]:
        """A copy of the counts, plus ``requests`` considered."""
        with self._lock:
            return {"requests": self.requests, **self.injected}

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.injected = {kind.value: 0 for kind in FaultKind}
            self._rng = random.Random(self._faults.seed)


def _status_for(kind: FaultKind, pick: float) -> int | None:
    if kind is FaultKind.RATE_LIMIT:
        return 429
    if kind is FaultKind.SERVER_ERROR:
        return SERVER_ERROR_STATUSES[min(int(pick * 3), 2)]
    if kind is FaultKind.HTML:
        return 502
    return None


class ConnectionDropped(ConnectionError):
    """Raised inside the server to close a connection on purpose (an injected drop)."""


#: Renders an injected error answer: (request, status, code, message) -> response.
ErrorRenderer = Callable[[Request, int, str, str], Response]

_ERROR_CODES = {
    429: ("TOO_MANY_REQUESTS", "Too many requests, retry later"),
    500: ("INTERNAL_ERROR", "Internal server error"),
    502: ("BAD_GATEWAY", "Bad gateway"),
    503: ("SERVICE_UNAVAILABLE", "Service temporarily unavailable"),
}

MALFORMED_BODY = b'{"success": true, "data": [{"id": 1,, }] <!-- not json'

HTML_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def default_error_response(request: Request, status: int, code: str, message: str) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body, status=status, mimetype="application/json")


def _seconds_header(value: float) -> str:
    # Whole seconds as HTTP says; a fractional value (fast tests) is kept as is.
    return str(int(value)) if value == int(value) else f"{value:g}"


class FaultMiddleware:
    """WSGI middleware applying a :class:`FaultInjector`'s draws in front of ``app``.

    429, 5xx and HTML answers never reach ``app``. A drop, a truncation and a
    malformed body do: the simulator acts, then its answer is lost or mangled,
    which is the case that tests idempotency. Drops close the socket, so they
    need a werkzeug server (``environ["werkzeug.socket"]``).
    """

    def __init__(
        self,
        app: WSGIApplication,
        injector: FaultInjector,
        *,
        error_response: ErrorRenderer | None = None,
    ) -> None:
        self.app = app
        self.injector = injector
        self.error_response = error_response or default_error_response

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if self.injector.is_exempt(request.script_root + request.path):
            return self.app(environ, start_response)
        latency = self.injector.faults.latency
        if latency > 0:
            time.sleep(latency)
        injection = self.injector.decide(request)
        if injection is None:
            return self.app(environ, start_response)
        kind = injection.kind
        if kind is FaultKind.RATE_LIMIT or kind is FaultKind.SERVER_ERROR:
            return self._error(request, injection.status or 500)(environ, start_response)
        if kind is FaultKind.HTML:
            page = Response(HTML_PAGE, status=injection.status or 502, mimetype="text/html")
            return page(environ, start_response)
        answer = Response.from_app(self.app, environ, buffered=True)
        body = answer.get_data()
        answer.close()
        if kind is FaultKind.DROP:
            _close_socket(environ)
            raise ConnectionDropped("sandbox fault: connection dropped without an answer")
        if kind is FaultKind.TRUNCATE:
            return self._truncated(answer, body, start_response, environ)
        # MALFORMED: same status and headers, a body no JSON parser accepts.
        answer.headers.pop("Content-Encoding", None)
        answer.set_data(MALFORMED_BODY)
        answer.mimetype = "application/json"
        return answer(environ, start_response)

    def _error(self, request: Request, status: int) -> Response:
        code, message = _ERROR_CODES.get(status, ("INTERNAL_ERROR", "Internal server error"))
        response = self.error_response(request, status, code, message)
        if status == 429:
            wait = _seconds_header(self.injector.faults.retry_after)
            response.headers["Retry-After"] = wait
            response.headers["RateLimit-Limit"] = "100"
            response.headers["RateLimit-Remaining"] = "0"
            response.headers["RateLimit-Reset"] = wait
        return response

    @staticmethod
    def _truncated(
        answer: Response, body: bytes, start_response: StartResponse, environ: WSGIEnvironment
    ) -> Iterator[bytes]:
        headers = [
            (k, v)
            for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "transfer-encoding")
        ]
        headers.append(("Content-Length", str(len(body))))
        start_response(answer.status, headers)
        return _half_then_drop(body, environ)


def _half_then_drop(body: bytes, environ: WSGIEnvironment) -> Iterator[bytes]:
    yield body[: len(body) // 2]
    # The server has flushed the first half before asking for more.
    _close_socket(environ)
    raise ConnectionDropped("sandbox fault: answer truncated")


def _close_socket(environ: WSGIEnvironment) -> None:
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
