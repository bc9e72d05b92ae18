"""A loopback server that fails on purpose, to see what an adapter does with failure.

The contract suite points a profile with sentinel secrets at it. OAuth token
requests (any form body with ``grant_type``) are granted, unless the scenario
is ``auth``, so the API calls behind them get to fail in each scripted way.
"""

from __future__ import annotations

import json
import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

__all__ = ["SCENARIOS", "FailingServer"]

#: Scenario name -> (HTTP status, body, content type). ``auth`` also refuses tokens.
SCENARIOS: dict[str, tuple[int, bytes, str]] = {
    "auth": (401, b'{"error": "invalid_token", "message": "Authentication failed"}', "json"),
    "forbidden": (403, b'{"error": "forbidden", "message": "Not allowed"}', "json"),
    "not-found": (404, b'{"error": "not_found", "message": "No such job"}', "json"),
    "bad-request": (400, b'{"error": "bad_request", "message": "Invalid field"}', "json"),
    "rate-limited": (429, b'{"error": "too_many_requests"}', "json"),
    "server-error": (500, b'{"error": "internal"}', "json"),
    "garbage": (200, b"<html>this is not JSON", "html"),
    "empty-object": (200, b"{}", "json"),
    "wrong-shape": (200, b'[1, "two", null]', "json"),
}

_TYPES = {"json": "application/json", "html": "text/html"}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Failures are the point here: no access log lines on stderr."""


class FailingServer:
    """Serves one failure :data:`SCENARIOS` at a time on 127.0.0.1 (set :attr:`scenario`)."""

    def __init__(self, access_token: str) -> None:
        self.access_token = access_token
        self.scenario = "auth"
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FailingServer is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    def _app(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        status, body, kind = SCENARIOS[self.scenario]
        if self.scenario != "auth" and request.form.get("grant_type"):
            token = {
                "access_token": self.access_token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "api_domain": self.url,
                "scope": "contract",
            }
            return Response(json.dumps(token), mimetype="application/json")(environ, start_response)
        headers = {"Retry-After": "0"} if status == 429 else {}
        response = Response(body, status=status, headers=headers, content_type=_TYPES[kind])
        return response(environ, start_response)

    def __enter__(self) -> FailingServer:
        self._server = make_server(
            "127.0.0.1", 0, self._app, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        self._server = self._thread = None
