"""A small OAuth provider on loopback and one exchange with it through the real
transport, carrying known secrets, for tests that record cassettes and look for leaks."""

from __future__ import annotations

import gzip
import json
import threading
from typing import Any

from jobadapter.testing import FakeSleeper
from jobadapter.transport import Transport
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

SECRETS = {
    "client_id": "1000.CLIENTIDVALUE12345",
    "client_secret": "clientsecretvalue0123456789",
    "refresh_token": "1000.refreshtokenvalue.abcdef123456",
    "access_token": "1000.accesstokenvalue.fedcba654321",
    "id_token": "eyJidtokenvalue.payload.signature",
    "jti": "jti-identifier-0123456789",
    "query_token": "querytokenvalue987654321",
    "password": "hunter2-password-value",
    "cookie": "sessioncookievalue-123456789",
    "x_session": "xsessionbearervalue-123456789",
}


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class TokenServer:
    """A small provider: OAuth token endpoint (gzip answer), job create, upload and status."""

    def __init__(self) -> None:
        self.server: BaseWSGIServer = make_server(
            "127.0.0.1", 0, self.app, threaded=True, request_handler=_Quiet
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.seen: list[tuple[str, str]] = []

    def __enter__(self) -> TokenServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=2)

    def app(self, environ: Any, start_response: Any) -> Any:
        return self.answer(Request(environ))(environ, start_response)

    def answer(self, request: Request) -> Response:
        self.seen.append((request.method, request.full_path))
        if request.path == "/oauth/token":
            assert request.form["client_secret"] == SECRETS["client_secret"]
            body = {
                "access_token": SECRETS["access_token"],
                "refresh_token": SECRETS["refresh_token"],
                "id_token": SECRETS["id_token"],
                "jti": SECRETS["jti"],
                "api_domain": self.url,
                "expires_in": 3600,
            }
            return Response(
                gzip.compress(json.dumps(body).encode()),
                headers={
                    "Content-Encoding": "gzip",
                    "Set-Cookie": f"session={SECRETS['cookie']}; HttpOnly",
                },
                content_type="application/json",
            )
        if request.path == "/jobs" and request.method == "POST":
            sent = json.loads(gzip.decompress(request.get_data()))
            answer = {"id": "42", "state": "queued", "name": sent["name"]}
            answer["upload"] = f"{self.url}/jobs/42/file"
            return Response(json.dumps(answer), content_type="application/json")
        if request.path == "/jobs/42/file":
            upload = request.files["file"]
            return Response(
                json.dumps({"received": upload.read().decode()}), content_type="application/json"
            )
        return Response(json.dumps({"id": "42", "state": "done"}), content_type="application/json")


def exchange(base: str) -> list[Any]:
    """Token, create (gzipped JSON), upload (multipart) and status, through the real transport."""
    transport = Transport(sleep=FakeSleeper())
    try:
        token = transport.request(
            "POST",
            f"{base}/oauth/token",
            form={
                "grant_type": "refresh_token",
                "client_id": SECRETS["client_id"],
                "client_secret": SECRETS["client_secret"],
                "refresh_token": SECRETS["refresh_token"],
            },
        ).json()
        api = token["api_domain"]
        auth = {"Authorization": f"Zoho-oauthtoken {token['access_token']}"}
        created = transport.request(
            "POST",
            f"{api}/jobs?access_token={SECRETS['query_token']}&page=1",
            json={"name": "import", "password": SECRETS["password"], "code": "PRODUCT-1"},
            gzip_body=True,
            headers=auth,
            idempotency_key="key-1",
        ).json()
        uploaded = transport.request(
            "POST",
            created["upload"],
            multipart={"file": ("rows.csv", b"id,name\n1,a\n", "text/csv")},
            headers=auth,
            retry_unsafe=True,
        ).json()
        status = transport.request(
            "GET",
            f"{api}/jobs/42",
            headers={
                "Authorization": f"Bearer {token['access_token']}",
                "X-Session": f"Bearer {SECRETS['x_session']}",
                "Cookie": f"session={SECRETS['cookie']}",
            },
        ).json()
    finally:
        transport.close()
    return [token, created, uploaded, status]
