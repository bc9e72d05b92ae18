"""The simulator answers what Zuora's published specs describe.

Swagger 2.0 ``definitions`` are turned into JSON Schema (``$ref:
'#/definitions/X'`` resolves inside the same document) and made strict: an
answer may hold no field the spec does not name. Where the spec and Zuora's
own documented samples disagree, the sample wins and the test says so:

- fields the docs call null while Pending (counts, dates, outputURL) may be null;
- ``GETMassUpdateType`` types the counts as strings, the documented sample sends
  integers: the simulator's string mode is checked strictly, its int mode with
  counts widened to integer-or-string;
- ``CommonResponseType`` types ``reasons[].code`` as a string, the documented
  error sample sends a number.

Bulk Data has no spec file; its summary is checked against a schema built from
the documented sample (``pages/zuora-get-bulk-job-summary.md``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema
import pytest
import yaml
from jobadapter import Hub
from jobadapter.connection import Connection
from jobadapter.sandbox import SimClock
from jobadapter.transport import Response
from jobadapter_zuora_bulk import BulkJobRequest, MassUpdateRequest
from jobadapter_zuora_bulk.simulator import ZuoraBulkSimulator
from zuora_bulk_support import BULK, DATA, MASS, csv_rows, sample

COUNTS = ("totalCount", "processedCount", "successCount", "errorCount")


@cache
def spec(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DATA / "specs" / name).read_text(encoding="utf-8"))
    return loaded


def _strict(node: Any) -> Any:
    """Every object schema closed (no unknown fields) and every property nullable."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items() if not k.startswith("x-")}
    if "properties" in out:
        out.setdefault("additionalProperties", False)
        for prop in out["properties"].values():
            if isinstance(prop.get("type"), str):
                prop["type"] = [prop["type"], "null"]
    return out


def schema_for(spec_name: str, definition: str, **widen: list[str]) -> dict[str, Any]:
    """A JSON Schema for one swagger definition; ``widen`` replaces some property types."""
    definitions = _strict(copy.deepcopy(spec(spec_name)["definitions"]))
    target = definitions[definition]
    for field, types in widen.items():
        path = field.split("__")
        node = target
        for step in path[:-1]:
            node = (
                node["properties"][step]["items"] if step == "reasons" else node["properties"][step]
            )
        node["properties"][path[-1]]["type"] = [*types, "null"]
    return {"definitions": definitions, **target}


def check(instance: Any, schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft7Validator(schema)
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]
    assert not errors, errors


def response_headers_ok(response: Response, spec_name: str, path: str, method: str) -> None:
    """The spec's 200 response headers are there, within their length limits."""
    declared = spec(spec_name)["paths"][path][method]["responses"]
    declared = declared.get("200", declared.get(200))["headers"]
    for name, rule in declared.items():
        if name in ("Content-Encoding", "Zuora-Track-Id"):
            continue  # only sent when gzipping / when the request set one
        value = response.headers.get(name)
        assert value is not None, f"{method.upper()} {path}: no {name} header"
        if rule.get("type") in ("number", "integer"):
            float(value)
        if "minLength" in rule:
            assert rule["minLength"] <= len(value) <= rule["maxLength"], (name, value)


MU = "zuora-mass-updater-api-openapi.yml"
OAUTH = "zuora-oauth-api-openapi.yml"


def test_the_spec_examples_need_exactly_the_documented_relaxations() -> None:
    paths = spec(MU)["paths"]
    get_example = paths["/v1/bulk/{bulk-key}"]["get"]["responses"]["200"]["examples"][
        "application/json"
    ]
    with pytest.raises(AssertionError, match="is not of type"):
        check(get_example, schema_for(MU, "GETMassUpdateType"))
    check(
        get_example,
        schema_for(MU, "GETMassUpdateType", **{c: ["string", "integer"] for c in COUNTS}),
    )
    post_example = paths["/v1/bulk"]["post"]["responses"]["200"]["examples"]["application/json"]
    check(post_example, schema_for(MU, "POSTMassUpdateResponseType"))
    check(
        sample("v1_error_spec_sample.json"),
        schema_for(MU, "CommonResponseType", reasons__code=["string", "integer"]),
    )
    check(sample("oauth_token_spec_example.json"), schema_for(OAUTH, "tokenResponse"))


@pytest.fixture()
def conn(hub: Hub) -> Iterator[Connection]:
    yield hub.connection(MASS)


def raw(conn: Connection, method: str, path: str, **kw: Any) -> Response:
    return conn.request(method, path, check=False, **kw)


@pytest.mark.parametrize("sim_options", [{"counts_as": "string"}, {"counts_as": "int"}])
def test_mass_updater_answers_match_the_spec(
    hub: Hub,
    conn: Connection,
    sim: ZuoraBulkSimulator,
    clock: SimClock,
    sim_options: dict[str, Any],
) -> None:
    widen = {c: ["string", "integer"] for c in COUNTS} if sim_options["counts_as"] == "int" else {}
    get_schema = schema_for(MU, "GETMassUpdateType", **widen)
    params = json.dumps({"actionType": "UpdateAccountingCode"})
    posted = raw(
        conn,
        "POST",
        "/v1/bulk",
        multipart={"file": ("a.csv", csv_rows(8, failing=(2,)), "text/csv"), "params": params},
    )
    check(posted.json(), schema_for(MU, "POSTMassUpdateResponseType"))
    response_headers_ok(posted, MU, "/v1/bulk", "post")
    key = posted.json()["bulkKey"]
    assert len(key) == 32

    for step in (0.0, 2.5, 1.0, 60.0):  # Pending, Processing, Processing, Completed
        clock.advance(step)
        answer = raw(conn, "GET", f"/v1/bulk/{key}")
        check(answer.json(), get_schema)
        response_headers_ok(answer, MU, "/v1/bulk/{bulk-key}", "get")
    assert answer.json()["status"] == "Completed"

    other = hub.submit(MASS, MassUpdateRequest(csv_rows(3), "MPU")).id
    stopped = raw(conn, "PUT", f"/v1/bulk/{other}/stop")
    check(stopped.json(), schema_for(MU, "CommonResponseType"))
    response_headers_ok(stopped, MU, "/v1/bulk/{bulk-key}/stop", "put")
    clock.advance(10)
    check(raw(conn, "GET", f"/v1/bulk/{other}").json(), get_schema)

    error_schema = schema_for(MU, "CommonResponseType", reasons__code=["string", "integer"])
    for method, path, kw in [
        ("GET", "/v1/bulk/" + "f" * 32, {}),
        ("PUT", f"/v1/bulk/{key}/stop", {}),
        (
            "POST",
            "/v1/bulk",
            {
                "multipart": {
                    "file": ("a.csv", b"a\n1\n", "text/csv"),
                    "params": '{"actionType": "Bad"}',
                }
            },
        ),
    ]:
        refused = raw(conn, method, path, **kw)
        body = refused.json()
        assert body["success"] is False and len(str(body["reasons"][0]["code"])) == 8
        check(body, error_schema)


def test_token_answer_matches_the_spec(sim: ZuoraBulkSimulator, hub: Hub) -> None:
    conn = hub.connection(MASS)
    response = conn.transport.request(
        "POST",
        conn.base_url + "/oauth/token",
        form={
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "grant_type": "client_credentials",
        },
    )
    check(response.json(), schema_for(OAUTH, "tokenResponse"))
    assert len(response.headers["Zuora-Request-Id"]) == 36
    assert response.headers["X-RateLimit-Limit-minute"].isdigit()


def summary_schema() -> dict[str, Any]:
    """From the documented summary sample: every field it shows, typed as it shows them."""
    documented = sample("bulk_job_summary_page_sample.json")
    types = {bool: "boolean", int: "integer", str: "string"}
    properties: dict[str, Any] = {
        k: {"type": [types[type(v)], "null"]} for k, v in documented.items()
    }
    for stamp in ("createdAt", "lastUpdatedAt"):  # epoch seconds (sample) or ISO (tutorial)
        properties[stamp] = {"type": ["integer", "string", "null"]}
    for key in ("id", "status", "createdAt"):
        properties[key]["type"] = [t for t in properties[key]["type"] if t != "null"]
    return {
        "type": "object",
        "properties": properties,
        "required": list(documented),
        "additionalProperties": False,
    }


@pytest.mark.parametrize("sim_options", [{"timestamps": "epoch"}, {"timestamps": "iso"}])
def test_bulk_summaries_have_the_documented_shape(
    hub: Hub, conn: Connection, clock: SimClock
) -> None:
    schema = summary_schema()
    check(sample("bulk_job_summary_page_sample.json"), schema)
    job = hub.submit(BULK, BulkJobRequest(csv_rows(6, failing=(1,)), "spec check", "Account"))
    seen = set()
    for step in (0.0, 1.5, 1.0, 60.0):
        clock.advance(step)
        answer = raw(conn, "GET", f"/bulk-data/bulk-jobs/{job.id}/summary").json()
        check(answer, schema)
        seen.add(answer["status"])
    assert seen == {"Submitted", "Downloading", "In Progress", "Completed"}
    listed = raw(conn, "GET", "/bulk-data/bulk-jobs/summaries").json()
    for item in listed["summaries"]:
        check(item, schema)
