"""Test helpers for the shared Zuora pieces (imported by conftest and tests)."""

from __future__ import annotations

from typing import ClassVar

from jobadapter.testing import FakeSleeper
from jobadapter_zuora_common.simulator import ZuoraSimulatorBase
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response


class EchoSimulator(ZuoraSimulatorBase):
    """Two routes: one answers a (large) success, one a documented v1 error with HTTP 200."""

    name: ClassVar[str] = "zuora_echo"

    def api_rules(self) -> list[Rule]:
        return [
            Rule("/v1/echo", methods=["GET"], endpoint="echo"),
            Rule("/v1/big", methods=["GET"], endpoint="big"),
            Rule("/v1/refused", methods=["GET"], endpoint="refused"),
        ]

    def on_echo(self, request: Request) -> Response:
        return self.json_response({"success": True, "path": request.path})

    def on_big(self, request: Request) -> Response:
        return self.json_response({"success": True, "filler": "x" * 5000})

    def on_refused(self, request: Request) -> Response:
        return self.v1_error(53100320, "'termType' value should be one of: TERMED, EVERGREEN")


#: A transport ``sleep`` that moves simulated time instead of waiting.
Sleeper = FakeSleeper
