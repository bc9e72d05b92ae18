"""The base of every provider simulator: routing, JSON answers and a request log.

A plugin subclasses :class:`Simulator`, declares its provider's documented
routes in :meth:`Simulator.url_map` and answers them in ``on_<endpoint>``
methods; the base does the dispatch, the JSON plumbing, the error answers
(overridable, so each provider's own error body shape comes out) and keeps a
log of every request, which tests assert on.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect
from werkzeug.wrappers import Request, Response

from jobadapter.redact import get_logger, redact_headers
from jobadapter.sandbox.clock import SimClock

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = get_logger("sandbox")


@attrs.frozen
class LoggedRequest:
    """One request a simulator handled (headers with secrets masked)."""

    method: str
    path: str
    query: str
    status: int
    time: float  # simulated epoch seconds at arrival
    duration: float  # real seconds spent answering
    headers: tuple[tuple[str, str], ...] = ()


class RequestLog:
    """A thread-safe, append-only list of :class:`LoggedRequest`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[LoggedRequest] = []

    def append(self, item: LoggedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._items)

    def where(self, method: str | None = None, path: str | None = None) -> list[LoggedRequest]:
        """The entries matching ``method`` and/or ``path`` (exact)."""
        return [
            r
            for r in self.snapshot()
            if (method is None or r.method == method.upper()) and (path is None or r.path == path)
        ]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> LoggedRequest:
        with self._lock:
            return self._items[index]

    def __repr__(self) -> str:
        return f"RequestLog({len(self)} requests)"


_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
}


@attrs.frozen
class DemoRequest:
    """One job the demo submits: the adapter, its submit request, a label for people."""

    adapter: str
    request: Any
    label: str


class Simulator:
    """Base for one provider's simulator: a werkzeug app with routing, JSON helpers and
    a log of every request it handled (``self.log``)."""

    #: Provider name; also the mount point when a server hosts several simulators.
    name: ClassVar[str] = "simulator"
    #: Path prefixes (relative to this simulator) the server never injects faults into.
    exempt_paths: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *, clock: SimClock | None = None, seed: int = 0) -> None:
        self.clock = clock or SimClock()
        self.seed = seed
        self.random = random.Random(seed)
        self.log = RequestLog()
        #: Handlers run on the server's threads: guard the simulator's state with this.
        self.lock = threading.RLock()
        self.base_url: str | None = None
        self._map: Map | None = None
        self._map_lock = threading.Lock()
        self._local = threading.local()  # the request being answered, for url()

    # -- what subclasses provide -------------------------------------------------

    def url_map(self) -> Map:
        """The routes; endpoint ``x`` is answered by ``on_x(request, **values)``."""
        return Map([])

    def profile(self) -> dict[str, Any]:
        """The config profile (TOML keys) a user needs to talk to this simulator."""
        return {"provider": self.name, "base_url": self.base_url}

    def demo_requests(self) -> list[DemoRequest]:
        """Sample jobs ``jobadapter demo`` submits here (some rows marked to fail).

        Override in each simulator: the demo knows no provider, it asks them.
        """
        return []

    def error_body(self, status: int, code: str, message: str) -> Any:
        """The JSON body of an error answer; override to imitate the provider's shape."""
        return {"error": {"code": code, "message": message}}

    def error_response(
        self,
        request: Request | None,
        status: int,
        code: str | None = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """An error answer in this provider's shape (also used for injected 429/5xx)."""
        code = code or _CODES.get(status, f"HTTP_{status}")
        message = message or code.replace("_", " ").capitalize()
        return self.json_response(self.error_body(status, code, message), status, headers)

    def not_found(self, request: Request) -> Response:
        return self.error_response(request, 404, "NOT_FOUND", f"No route for {request.path}")

    def method_not_allowed(self, request: Request, allowed: Iterable[str] = ()) -> Response:
        allow = ", ".join(sorted(allowed))
        message = f"{request.method} is not allowed on {request.path}"
        headers = {"Allow": allow} if allow else None
        return self.error_response(request, 405, "METHOD_NOT_ALLOWED", message, headers)

    # -- helpers -------------------------------------------------------------------

    def json_response(
        self, body: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> Response:
        """``body`` as JSON (datetimes are refused: format them as the provider does)."""
        return Response(
            json.dumps(body),
            status=status,
            headers=dict(headers or {}),
            mimetype="application/json",
        )

    def read_json(self, request: Request) -> Any:
        """The request's JSON body; a 400 answer (in this provider's shape) if it is not JSON.

        Handlers can stop the same way with ``werkzeug.exceptions.abort(response)``.
        """
        try:
            return json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            answer = self.error_response(request, 400, "MALFORMED_JSON", "Body is not JSON")
            raise HTTPException(response=answer) from None

    def url(self, path: str, request: Request | None = None) -> str:
        """An absolute URL for ``path`` on this simulator (download links, upload targets)."""
        base = self.base_url
        request = request or getattr(self._local, "request", None)
        if base is None and request is not None:
            base = request.host_url.rstrip("/") + request.script_root
        if base is None:
            raise RuntimeError(f"{self.name}: base_url is not set (serve it with SandboxServer)")
        return base.rstrip("/") + "/" + path.lstrip("/")

    def routes(self) -> Map:
        """The compiled :meth:`url_map`, built once and checked for missing handlers."""
        with self._map_lock:
            if self._map is None:
                url_map = self.url_map()
                missing = sorted(
                    {str(rule.endpoint) for rule in url_map.iter_rules()}
                    - {name[3:] for name in dir(self) if name.startswith("on_")}
                )
                if missing:
                    names = ", ".join(f"on_{e}" for e in missing)
                    owner = type(self).__name__
                    raise TypeError(f"{owner} declares routes without handlers: {names}")
                self._map = url_map
            return self._map

    # -- WSGI ------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started, arrived = time.perf_counter(), self.clock.now()
        request = Request(environ)
        response = self.dispatch(request)
        self.log.append(
            LoggedRequest(
                method=request.method,
                path=request.path,
                query=request.query_string.decode("latin-1"),
                status=response.status_code,
                time=arrived,
                duration=time.perf_counter() - started,
                headers=tuple(redact_headers(dict(request.headers.items())).items()),
            )
        )
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route ``request`` to its ``on_<endpoint>`` method and turn errors into answers."""
        adapter = self.routes().bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except RequestRedirect as redirect:
            return redirect.get_response(request.environ)
        except MethodNotAllowed as exc:
            return self.method_not_allowed(request, exc.valid_methods or ())
        except NotFound:
            return self.not_found(request)
        self._local.request = request
        try:
            result = getattr(self, f"on_{endpoint}")(request, **values)
        except HTTPException as exc:
            if isinstance(exc.response, Response):  # abort(response): answer as given
                return exc.response
            status = exc.code or 500
            return self.error_response(request, status, _CODES.get(status), exc.description)
        except Exception:
            log.exception("%s simulator failed on %s %s", self.name, request.method, request.path)
            return self.error_response(request, 500, "INTERNAL_ERROR", "Simulator error")
        finally:
            self._local.request = None
        if not isinstance(result, Response):
            raise TypeError(f"{type(self).__name__}.on_{endpoint} must return a Response")
        return result
