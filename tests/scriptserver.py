"""A scripted WSGI server on 127.0.0.1, for transport and connection tests."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response as WResponse

logging.getLogger("werkzeug").setLevel(logging.ERROR)


class Server:
    """A scripted WSGI server: each request pops the next answer (or gets the default)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: list[WResponse | Callable[[Request], WResponse]] = []
        self.default: WResponse | Callable[[Request], WResponse] = WResponse("ok")
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        response = self._handle(Request(environ))
        return response(environ, start_response)

    def _handle(self, request: Request) -> WResponse:
        with self._lock:
            self.requests.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string.decode(),
                    "headers": dict(request.headers),
                    "body": request.get_data(),
                }
            )
            item = self.script.pop(0) if self.script else self.default
        return item if isinstance(item, WResponse) else item(request)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
