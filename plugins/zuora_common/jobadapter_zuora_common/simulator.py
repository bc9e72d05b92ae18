"""What every Zuora simulator shares: the token endpoint, bearer checks, the
Zuora response headers, rate limits and the documented error bodies.

Each Zuora plugin subclasses :class:`ZuoraSimulatorBase` and adds its job
routes in :meth:`ZuoraSimulatorBase.api_rules`. Tokens expire by the
simulator's :class:`~jobadapter.sandbox.SimClock`, so a test can make one
expire mid-run by advancing the clock.
"""

from __future__ import annotations

import gzip
import math
import threading
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from jobadapter.errors import ConfigError
from jobadapter.sandbox import SimClock, Simulator
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from jobadapter_zuora_common.headers import TRACK_ID, check_track_id

#: The simulators' demo credentials: obviously fake, accepted only by simulators.
DEMO_CLIENT_ID = "sandbox-client"
DEMO_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - a published fake for the local sandbox

#: Zuora's documented token lifetime.
TOKEN_LIFETIME = 3599

#: Resource code Zuora uses when it cannot tell the object (GET/DELETE errors).
UNKNOWN_RESOURCE = "500000"

_CATEGORY_FOR_STATUS = {
    400: "20",
    401: "11",
    403: "10",
    404: "40",
    405: "45",
    409: "30",
    413: "20",
    415: "90",
    429: "70",
    503: "61",
}


def zuora_code(category: str, resource: str = UNKNOWN_RESOURCE) -> int:
    """An 8-digit Zuora code: 6-digit resource + 2-digit category."""
    return int(resource + category)


def code_for(status: int, code: str | int | None = None) -> int:
    """The Zuora code for an answer: ``code`` when it already is one, else from the status."""
    if code is not None and str(code).isdigit() and len(str(code)) == 8:
        return int(code)
    return zuora_code(_CATEGORY_FOR_STATUS.get(status, "60"))


#: The simulated tenant's zone. Not UTC on purpose: a client that read Zuora's
#: zoneless times as UTC instead of the profile's ``timezone`` is hours off, and
#: the tests see it.
DEFAULT_TENANT_TIMEZONE = "America/Los_Angeles"


class ZuoraSimulatorBase(Simulator):
    """A Zuora tenant on loopback: ``POST /oauth/token`` plus the subclass's job routes.

    Options: ``rate_limit`` requests per ``rate_window`` seconds (then 429 with
    ``RateLimit-*`` headers, ``Retry-After`` too when ``send_retry_after``);
    ``tenant_timezone`` for Zuora's naive timestamps; ``token_lifetime``.
    """

    name: ClassVar[str] = "zuora"
    #: Endpoints answered without a bearer token.
    public_endpoints: ClassVar[frozenset[str]] = frozenset({"oauth_token"})

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        seed: int = 0,
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
        token_lifetime: float = TOKEN_LIFETIME,
        rate_limit: int = 50_000,
        rate_window: float = 60.0,
        send_retry_after: bool = False,
        tenant_timezone: str = DEFAULT_TENANT_TIMEZONE,
    ) -> None:
        super().__init__(clock=clock, seed=seed)
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = float(token_lifetime)
        self.rate_limit = int(rate_limit)
        self.rate_window = float(rate_window)
        self.send_retry_after = send_retry_after
        self.tenant_timezone = tenant_timezone
        self._lock = threading.RLock()
        self._tokens: dict[str, float] = {}
        self._window_start = -math.inf
        self._window_count = 0
        self._serial = 0
        #: Tokens issued so far (tests assert refreshes).
        self.tokens_issued = 0

    # -- routes ----------------------------------------------------------------------

    def url_map(self) -> Map:
        return Map(
            [Rule("/oauth/token", methods=["POST"], endpoint="oauth_token"), *self.api_rules()]
        )

    def api_rules(self) -> list[Rule]:
        """The provider's job routes (subclasses)."""
        return []

    def profile(self) -> dict[str, Any]:
        """A ready client profile for this simulator (demo credentials, tenant timezone)."""
        return {
            "provider": "zuora",
            "base_url": self.base_url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "timezone": self.tenant_timezone,
        }

    # -- ids -------------------------------------------------------------------------

    def new_uuid(self) -> str:
        """A UUID drawn from the seeded generator (reproducible runs and cassettes)."""
        with self._lock:
            return str(uuid.UUID(int=self.random.getrandbits(128), version=4))

    def new_hex(self, length: int = 32) -> str:
        with self._lock:
            return f"{self.random.getrandbits(length * 4):0{length}x}"

    # -- tokens ----------------------------------------------------------------------

    def on_oauth_token(self, request: Request) -> Response:
        form = request.form
        limits = {"X-RateLimit-Limit-minute": "100", "X-RateLimit-Remaining-minute": "99"}
        if form.get("grant_type") != "client_credentials":
            return self.json_response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant_type must be client_credentials",
                },
                400,
                limits,
            )
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return self.json_response(
                {"error": "invalid_client", "error_description": "Invalid client credentials"},
                401,
                limits,
            )
        token = self.new_hex()
        with self._lock:
            self._tokens[token] = self.clock.now() + self.token_lifetime
            self.tokens_issued += 1
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(self.token_lifetime),
            "scope": "user.sandbox entity.sandbox service.bulk-data.write tenant.1",
            "jti": self.new_hex(),
        }
        return self.json_response(body, 200, limits)

    def expire_tokens(self) -> None:
        """Make every issued token expired now (as if an hour had passed)."""
        with self._lock:
            self._tokens.clear()

    def token_valid(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        with self._lock:
            expiry = self._tokens.get(token.strip())
            if expiry is None:
                return False
            if self.clock.now() >= expiry:
                del self._tokens[token.strip()]
                return False
            return True

    # -- error bodies ----------------------------------------------------------------

    def v1_error_body(self, code: int | str, message: str) -> dict[str, Any]:
        """The v1 error shape: ``{"success": false, "processId", "reasons": [...]}``."""
        return {
            "success": False,
            "processId": self.new_hex(16).upper(),
            "reasons": [{"code": code, "message": message}],
        }

    def flat_error_body(self, code: int | str, message: str) -> dict[str, Any]:
        """The flat shape: ``{"code": 71013040, "message": "Not Found"}``."""
        return {"code": code, "message": message}

    def error_body(self, status: int, code: str, message: str) -> Any:
        return self.v1_error_body(code_for(status, code), message)

    def v1_error(
        self,
        code: int,
        message: str,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """A v1 error answer; Zuora often sends these with HTTP 200."""
        return self.json_response(self.v1_error_body(code, message), status, headers)

    def abort(self, response: Response) -> HTTPException:
        """An exception that makes ``dispatch`` answer ``response`` (``raise self.abort(...)``)."""
        return HTTPException(response=response)

    # -- dispatch: auth, limits, headers ---------------------------------------------

    def dispatch(self, request: Request) -> Response:
        request_id = self.new_uuid()
        track = request.headers.get(TRACK_ID)
        if track is not None:
            try:
                check_track_id(track)
            except ConfigError:
                track = None
        endpoint = self._endpoint(request)
        limited = self._count_request() if endpoint != "oauth_token" else None
        if limited is not None:
            response = self._rate_limited(limited)
        elif (
            endpoint is not None
            and endpoint not in self.public_endpoints
            and not self.token_valid(request)
        ):
            response = self.json_response(
                self.v1_error_body(90000011, "Authentication error: invalid or expired token"),
                401,
            )
        else:
            response = super().dispatch(request)
        response.headers.setdefault("Zuora-Request-Id", request_id)
        if track is not None:
            response.headers[TRACK_ID] = track
        if endpoint != "oauth_token" and "RateLimit-Limit" not in response.headers:
            response.headers.update(self._limit_headers())
        self._maybe_gzip(request, response)
        return response

    def _needs_token(self, endpoint: str | None) -> bool:
        return endpoint is not None and endpoint not in self.public_endpoints

    def _endpoint(self, request: Request) -> str | None:
        try:
            endpoint, _ = self.routes().bind_to_environ(request.environ).match()
        except HTTPException:
            return None
        return str(endpoint)

    def _count_request(self) -> float | None:
        """Count one API request; the seconds until reset when it is over the limit."""
        with self._lock:
            now = self.clock.now()
            if now >= self._window_start + self.rate_window:
                self._window_start = now
                self._window_count = 0
            self._window_count += 1
            if self._window_count > self.rate_limit:
                return self._reset_in(now)
            return None

    def _reset_in(self, now: float) -> float:
        return max(0.0, self._window_start + self.rate_window - now)

    def _limit_headers(self) -> dict[str, str]:
        with self._lock:
            remaining = max(0, self.rate_limit - self._window_count)
            reset = self._reset_in(self.clock.now())
        return {
            "RateLimit-Limit": str(self.rate_limit),
            "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(math.ceil(reset)),
        }

    def _rate_limited(self, reset: float) -> Response:
        headers = self._limit_headers()
        if self.send_retry_after:
            headers["Retry-After"] = str(math.ceil(reset))
        body = self.v1_error_body(
            zuora_code("70"), "The request exceeded the rate limit; retry after the window resets"
        )
        return self.json_response(body, 429, headers)

    def error_response(
        self,
        request: Request | None,
        status: int,
        code: str | None = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        response = super().error_response(request, status, code, message, headers)
        response.headers.setdefault("Zuora-Request-Id", self.new_uuid())
        return response

    @staticmethod
    def _maybe_gzip(request: Request, response: Response) -> None:
        """Zuora gzips answers over 1000 bytes when asked (``Accept-Encoding: gzip``)."""
        if "gzip" not in request.headers.get("Accept-Encoding", "").lower():
            return
        if response.direct_passthrough or response.headers.get("Content-Encoding"):
            return
        if response.mimetype not in ("application/json", "text/csv", "text/plain"):
            return
        data = response.get_data()
        if len(data) <= 1000:
            return
        response.set_data(gzip.compress(data, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
