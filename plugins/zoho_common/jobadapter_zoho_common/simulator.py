"""What every Zoho simulator shares: the accounts server's token endpoint,
``Zoho-oauthtoken`` checks with scopes, Zoho's error body and the rate window.

Each Zoho plugin subclasses :class:`ZohoSimulatorBase`, lists its routes in
:meth:`ZohoSimulatorBase.api_rules` and the scopes each demo refresh token
grants in :meth:`ZohoSimulatorBase.granted_scopes`. Tokens expire by the
simulator's :class:`~jobadapter.sandbox.SimClock`, so a test expires one
mid-run by advancing the clock (or with :meth:`expire_tokens`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any, ClassVar, TypedDict

from jobadapter.sandbox import SimClock, Simulator
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from jobadapter_zoho_common.settings import TOKEN_PATH
from jobadapter_zoho_common.sim_state import Grant, RateWindow, TokenBook

# Demo credentials every Zoho simulator accepts: obviously fake, published on purpose.
CLIENT_ID = "sandbox-client-id"
CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105
REFRESH_TOKEN = "sandbox-refresh-token"  # noqa: S105


def error_at(api_name: str) -> dict[str, str]:
    """Zoho's ``details`` for an error about one key of the body: its name and JSON path."""
    return {"api_name": api_name, "json_path": f"$.{api_name}"}


class ZohoSimOptions(TypedDict, total=False):
    """The options every Zoho simulator takes (a subclass adds its own before them):
    spelled once here, so ``**options: Unpack[ZohoSimOptions]`` keeps them typed."""

    clock: SimClock | None
    seed: int
    schedule_delay: float
    token_ttl: float
    requests_per_window: int | None
    window_seconds: float
    expires_in_ms: bool


class ZohoSimulatorBase(Simulator):
    """A Zoho org on loopback: ``POST /oauth/v2/token`` plus the subclass's API routes.

    A job is scheduled (waits) ``schedule_delay`` simulated seconds before it runs;
    job ids come from :meth:`new_job_id`, counting from ``first_job_id`` moved by the
    seed, so runs sharing one store never collide.
    """

    name: ClassVar[str] = "zoho"
    first_job_id: ClassVar[int] = 4150868000000600001
    #: Token requests are never fault-injected: a demo under faults should
    #: exercise the API, not fail to log in.
    exempt_paths: ClassVar[tuple[str, ...]] = ("/oauth/",)

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        seed: int = 0,
        schedule_delay: float = 2.0,
        token_ttl: float = 3600.0,
        requests_per_window: int | None = 100,
        window_seconds: float = 60.0,
        expires_in_ms: bool = False,
    ) -> None:
        super().__init__(clock=clock, seed=seed)
        if schedule_delay < 0 or token_ttl <= 0:
            raise ValueError("schedule_delay must be >= 0 and token_ttl > 0")
        self.schedule_delay = schedule_delay
        self._job_ids = itertools.count(self.first_job_id + seed * 10**6, 1000)
        self.expires_in_ms = expires_in_ms
        self.tokens = TokenBook(self.clock, self.random, ttl=token_ttl)
        self.rate = RateWindow(self.clock, limit=requests_per_window, seconds=window_seconds)
        self.refresh_tokens: dict[str, frozenset[str]] = {
            token: frozenset(scopes) for token, scopes in self.granted_scopes().items()
        }

    # -- what subclasses provide ---------------------------------------------------------

    def granted_scopes(self) -> Mapping[str, tuple[str, ...]]:
        """Refresh token -> the scopes its grant holds (the demo token by default)."""
        return {REFRESH_TOKEN: ("ZohoCRM.modules.ALL",)}

    def api_rules(self) -> list[Rule]:
        """The API's routes (the token route is added by the base)."""
        return []

    # -- shared behaviour ----------------------------------------------------------------

    def new_job_id(self) -> str:
        """The next job (or file) id: unique in this simulator, thread-safe."""
        with self.lock:
            return str(next(self._job_ids))

    def url_map(self) -> Map:
        return Map([Rule(TOKEN_PATH, endpoint="token", methods=["POST"]), *self.api_rules()])

    def profile(self) -> dict[str, Any]:
        """A ready profile: accounts server and API both here, the demo credentials."""
        return {
            "provider": "zoho",
            "accounts_url": self.base_url,
            "base_url": self.base_url,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "refresh_token": REFRESH_TOKEN,
        }

    def expire_tokens(self) -> None:
        """Expire every access token issued so far; the next API call answers INVALID_TOKEN."""
        self.tokens.expire_all()

    def error_body(self, status: int, code: str, message: str) -> Any:
        return {"code": code, "details": {}, "message": message, "status": "error"}

    def zoho_error(
        self,
        status: int,
        code: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """An answer in Zoho's error shape."""
        body = {"code": code, "details": dict(details or {}), "message": message, "status": "error"}
        return self.json_response(body, status, headers)

    def not_found(self, request: Request) -> Response:
        if request.path.startswith("/crm/"):
            return self.zoho_error(
                404,
                "INVALID_URL_PATTERN",
                "Please check if the URL trying to access is a correct one",
            )
        return super().not_found(request)

    def over_limit(self) -> Response | None:
        """429 ``TOO_MANY_REQUESTS`` with ``Retry-After`` past the window's limit, else None."""
        wait = self.rate.admit()
        if wait is None:
            return None
        return self.zoho_error(
            429,
            "TOO_MANY_REQUESTS",
            "The number of requests exceeded the limit; try again later",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )

    def admitted(self, request: Request) -> Grant | Response:
        """What every route checks first, in Zoho's order: the rate window, then the
        token. The request's grant, or the refusal to answer with."""
        limited = self.over_limit()
        if limited is not None:
            return limited
        return self.grant(request)

    def grant(self, request: Request) -> Grant | Response:
        """The grant behind the request's ``Zoho-oauthtoken``, else Zoho's 401 answer."""
        header = request.headers.get("Authorization", "")
        if not header:
            return self.zoho_error(401, "AUTHENTICATION_FAILURE", "Authentication failed")
        scheme, _, token = header.partition(" ")
        grant = self.tokens.check(token.strip()) if scheme == "Zoho-oauthtoken" else None
        if grant is None:
            return self.zoho_error(401, "INVALID_TOKEN", "invalid oauth token")
        return grant

    def on_token(self, request: Request) -> Response:
        values = {**request.args.to_dict(), **request.form.to_dict()}
        if values.get("grant_type") != "refresh_token":
            return self.json_response({"error": "unsupported_grant_type"})
        if values.get("client_id") != CLIENT_ID or values.get("client_secret") != CLIENT_SECRET:
            return self.json_response({"error": "invalid_client"})
        refresh = values.get("refresh_token", "")
        scopes = self.refresh_tokens.get(refresh)
        if scopes is None:
            return self.json_response({"error": "invalid_code"})
        ttl = int(self.tokens.ttl)
        answer: dict[str, Any] = {
            "access_token": self.tokens.issue(refresh, scopes),
            "scope": " ".join(sorted(scopes)),
            "api_domain": self.base_url or request.host_url.rstrip("/") + request.script_root,
            "token_type": "Bearer",
            "expires_in": ttl,
        }
        if self.expires_in_ms:
            answer.update(expires_in_sec=ttl, expires_in=ttl * 1000)
        return self.json_response(answer)
