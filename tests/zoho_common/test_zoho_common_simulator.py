"""The Zoho simulator base: the token endpoint, ``Zoho-oauthtoken`` checks, the rate window."""

from __future__ import annotations

from typing import Any

import pytest
from jobadapter.config import profile_from_mapping
from jobadapter.connection import Connection
from jobadapter.errors import AuthError, RateLimited
from jobadapter.retry import RetryPolicy
from jobadapter.sandbox import SandboxServer, SimClock
from jobadapter.transport import Transport
from jobadapter_zoho_common import ZohoProvider
from jobadapter_zoho_common.simulator import ZohoSimulatorBase
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response


class PingSimulator(ZohoSimulatorBase):
    """One authenticated route, to test what the base does around it."""

    name = "zoho_ping"

    def api_rules(self) -> list[Rule]:
        return [Rule("/crm/v8/ping", endpoint="ping")]

    def on_ping(self, request: Request) -> Response:
        grant = self.admitted(request)
        if isinstance(grant, Response):
            return grant
        return self.json_response({"scopes": sorted(grant.scopes)})


@pytest.fixture()
def sim(clock: SimClock, sim_options: dict[str, Any]) -> PingSimulator:
    return PingSimulator(clock=clock, **sim_options)


@pytest.fixture()
def conn(server: SandboxServer, sim: PingSimulator) -> Connection:
    profile = profile_from_mapping("zoho-ping", sim.profile())
    transport = Transport(retry=RetryPolicy(max_attempts=1))  # a 429 is reported, not waited
    return Connection(profile=profile, provider=ZohoProvider(), transport=transport)


def test_a_token_from_the_accounts_server_opens_the_api(conn: Connection) -> None:
    assert conn.get_json("/crm/v8/ping") == {"scopes": ["ZohoCRM.modules.ALL"]}
    assert conn.credentials.auth_headers(conn.transport)["Authorization"].startswith(
        "Zoho-oauthtoken "
    )


def test_an_expired_token_is_refreshed_once(conn: Connection, sim: PingSimulator) -> None:
    conn.get_json("/crm/v8/ping")
    sim.expire_tokens()
    assert conn.get_json("/crm/v8/ping")["scopes"]
    assert sim.tokens.live() == 1  # the refreshed one


def test_a_wrong_scheme_is_invalid_token(conn: Connection) -> None:
    with pytest.raises(AuthError) as caught:
        conn.request(
            "GET", "/crm/v8/ping", headers={"Authorization": "Bearer x"}, authenticated=False
        )
    assert caught.value.code == "INVALID_TOKEN"


@pytest.mark.parametrize("sim_options", [{"requests_per_window": 1}])
def test_past_the_window_is_too_many_requests(conn: Connection) -> None:
    conn.get_json("/crm/v8/ping")
    with pytest.raises(RateLimited) as caught:
        conn.request("GET", "/crm/v8/ping")
    assert caught.value.code == "TOO_MANY_REQUESTS" and caught.value.retry_after
