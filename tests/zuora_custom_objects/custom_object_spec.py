"""A test client for the custom object simulator that checks every answer it gets
against the published OpenAPI spec, recording which (route, status) pairs it checked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
from jobadapter_zuora_custom_objects.simulator import CustomObjectJobsSimulator
from werkzeug.routing import Map
from werkzeug.test import Client, TestResponse

SPEC_FILE = Path(__file__).parent / "data" / "zuora-custom-object-jobs-api-openapi.yml"
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")


class SpecChecker:
    """Validates simulator answers against the spec's response schema for their route."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.routes = Map(
            [
                _rule("/objects/jobs"),
                _rule("/objects/jobs/<id>"),
                _rule("/objects/jobs/<id>/files"),
                _rule("/objects/jobs/<id>/errors"),
                _rule("/objects/jobs/<id>/cancel"),
            ]
        ).bind("sim.invalid")
        self.formats = jsonschema.FormatChecker()
        self.formats.checks("date-time")(
            lambda value: not isinstance(value, str) or bool(_ISO.match(value))
        )
        self.checked: list[tuple[str, str, int]] = []

    def schema_for(self, method: str, path: str, status: int) -> dict[str, Any]:
        template, _ = self.routes.match(path, method="GET")
        template = str(template).replace("<id>", "{id}")
        responses = self.spec["paths"][template][method.lower()]["responses"]
        documented = responses.get(str(status))
        if documented is None:
            assert status >= 400, f"{method} {template} answered an undocumented {status}"
            ref = {"$ref": "#/definitions/CommonErrorResponse"}
        else:
            ref = documented["schema"]
        self.checked.append((method, template, status))
        return {**ref, "definitions": self.spec["definitions"]}

    def check(self, method: str, path: str, response: TestResponse) -> Any:
        body = response.get_json()
        schema = self.schema_for(method, path, response.status_code)
        jsonschema.Draft4Validator(schema, format_checker=self.formats).validate(body)
        request_id = response.headers.get("Zuora-Request-Id", "")
        assert len(request_id) == 36
        if response.status_code < 400:
            for header in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
                assert header in response.headers
        if response.status_code >= 400:
            assert set(body) == {"code", "message"}, body  # the flat custom-object shape
            assert isinstance(body["code"], int) and len(str(body["code"])) == 8
        return body


def _rule(path: str) -> Any:
    from werkzeug.routing import Rule

    return Rule(path, endpoint=path)


class Tenant:
    """A werkzeug test client with a token, checking every answer against the spec."""

    def __init__(self, sim: CustomObjectJobsSimulator, checker: SpecChecker) -> None:
        self.sim = sim
        self.client = Client(sim)
        self.checker = checker
        token = self.client.post(
            "/oauth/token",
            data={
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
                "grant_type": "client_credentials",
            },
        ).get_json()["access_token"]
        self.auth = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, status: int, **kwargs: Any) -> Any:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)
        return self.checker.check(method, path.split("?")[0], response)

    def create(self, status: int = 200, headers: dict[str, str] | None = None, **body: Any) -> Any:
        payload = {"namespace": "default", "object": "vehicle", "operation": "create", **body}
        return self.call("POST", "/objects/jobs", status, json=payload, headers=headers or {})

    def upload(self, job_id: str, data: bytes, status: int = 200, **kwargs: Any) -> Any:
        kwargs.setdefault("content_type", "text/csv")
        return self.call("POST", f"/objects/jobs/{job_id}/files", status, data=data, **kwargs)
