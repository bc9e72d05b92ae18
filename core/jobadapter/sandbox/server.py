"""Serve simulators on loopback, in a background thread, behind fault injection.

One :class:`SandboxServer` backs ``jobadapter sandbox``, ``jobadapter demo``
and every test that talks HTTP to a simulator. It only ever binds a loopback
address: a simulator hands out fake tokens and accepts any credentials, so it
must not be reachable from another machine.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from jobadapter.redact import get_logger
from jobadapter.sandbox.faults import FaultInjector, FaultMiddleware, Faults, default_error_response
from jobadapter.sandbox.simulator import Simulator

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

log = get_logger("sandbox")

_MOUNT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class _Handler(WSGIRequestHandler):
    """werkzeug's handler, closing the connection on injected drops and logging quietly."""

    protocol_version = "HTTP/1.1"

    def connection_dropped(
        self, error: BaseException, environ: WSGIEnvironment | None = None
    ) -> None:
        # Nothing was (fully) answered: never wait for another request on this socket.
        self.close_connection = True

    def log(self, type: str, message: str, *args: Any) -> None:
        level = logging.WARNING if type in ("error", "warning") else logging.DEBUG
        log.log(level, "sandbox %s: " + message, self.address_string(), *args)


def _loopback_host(host: str) -> str:
    name = host.strip().strip("[]")
    if name.lower() == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError(
            f"the sandbox serves on loopback only (127.0.0.1, ::1, localhost); not on {host!r}"
        )
    return name


class SandboxServer:
    """Serves simulators on loopback, on a free port, in a background thread, with faults.

    One simulator is mounted at the root; several are each mounted under
    ``/<simulator.name>`` (:meth:`url_for` gives each one's base URL).
    """

    def __init__(
        self,
        *simulators: Simulator,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        threaded: bool = True,
    ) -> None:
        if not simulators:
            raise ValueError("SandboxServer needs at least one simulator")
        self.host = _loopback_host(host)
        self.port = port
        self.threaded = threaded
        self.simulators = simulators
        self._mounts: dict[str, Simulator] = {}
        if len(simulators) == 1:
            self._mounts[""] = simulators[0]
        else:
            for sim in simulators:
                if not _MOUNT_NAME.match(sim.name):
                    raise ValueError(f"simulator name {sim.name!r} cannot be a path segment")
                if sim.name in self._mounts:
                    raise ValueError(f"two simulators are named {sim.name!r}")
                self._mounts[sim.name] = sim
        exempt = [
            _mount_path(mount) + prefix
            for mount, sim in self._mounts.items()
            for prefix in sim.exempt_paths
        ]
        self.injector = FaultInjector(faults, exempt_paths=exempt)
        self.app = FaultMiddleware(self._route, self.injector, error_response=self._error_response)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    # -- faults ---------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        return self.injector.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self.injector.faults = faults

    @property
    def injected(self) -> dict[str, int]:
        """Faults injected so far by kind, plus ``requests`` considered."""
        return self.injector.stats()

    # -- addresses ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's root URL, e.g. ``http://127.0.0.1:54321`` (once started)."""
        if self._url is None:
            raise RuntimeError("SandboxServer is not started: call start() or use `with`")
        return self._url

    def url_for(self, simulator: Simulator | str) -> str:
        """The base URL of one simulator (the root when it is served alone)."""
        for mount, sim in self._mounts.items():
            if sim is simulator or sim.name == simulator:
                return self.url + _mount_path(mount)
        raise KeyError(f"this server does not serve {simulator!r}")

    # -- life cycle -----------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> SandboxServer:
        """Bind, then serve in a daemon thread; simulators learn their ``base_url``."""
        if self._server is not None:
            return self
        for sim in self.simulators:
            sim.routes()  # a route without a handler fails here, not on first request
        server = make_server(
            self.host, self.port, self.app, threaded=self.threaded, request_handler=_Handler
        )
        self.port = int(server.server_address[1])
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._url = f"http://{host}:{self.port}"
        for sim in self.simulators:
            sim.base_url = self.url_for(sim)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"jobadapter-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.debug("sandbox serving %s at %s", ", ".join(s.name for s in self.simulators), self._url)
        return self

    def stop(self) -> None:
        """Stop serving (within a poll interval) and free the port."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=1.0)
        self._server = self._thread = None
        self._url = None
        for sim in self.simulators:
            sim.base_url = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        names = ", ".join(s.name for s in self.simulators)
        where = self._url or "not started"
        return f"<SandboxServer [{names}] {where}>"

    # -- WSGI -----------------------------------------------------------------------

    def _resolve(self, path: str) -> tuple[Simulator | None, str, str]:
        """(simulator, its mount path, the rest of ``path``) for a request path."""
        if "" in self._mounts:
            return self._mounts[""], "", path
        _, _, tail = path.partition("/")
        segment, slash, rest = tail.partition("/")
        return self._mounts.get(segment), "/" + segment, slash + rest

    def _route(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        sim, mount, rest = self._resolve(environ.get("PATH_INFO", "") or "/")
        if sim is None:
            request = Request(environ)
            mounts = ", ".join(self.url_for(s) for s in self.simulators)
            message = f"No simulator at {request.path}; this server has {mounts}"
            response = default_error_response(request, 404, "NOT_FOUND", message)
            return response(environ, start_response)
        if mount:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + mount
            environ["PATH_INFO"] = rest
        return sim(environ, start_response)

    def _error_response(self, request: Request, status: int, code: str, message: str) -> Response:
        sim, _, _ = self._resolve(request.path)
        if sim is None:
            return default_error_response(request, status, code, message)
        return sim.error_response(request, status, code, message)


def _mount_path(mount: str) -> str:
    return f"/{mount}" if mount else ""
