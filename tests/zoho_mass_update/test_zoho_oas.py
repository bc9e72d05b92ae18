"""The plugin's requests (and the simulator's error answers) against Zoho's own OpenAPI file.

The spec's request schemas are ``CVDataWrapper`` (custom view) and
``IDSDataWrapper`` (ids). Their record schema ``data`` is a generator
placeholder (one required ``dummy`` object property) that no real body can
match; we swap it for "an object with at least one field" and check that the
placeholder is still what we think it is, so a fixed spec shows up here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jobadapter import Hub
from jobadapter_zoho_mass_update import MassUpdateAdapter, MassUpdateRequest
from jobadapter_zoho_mass_update.simulator import ZohoMassUpdateSimulator
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

DATA = Path(__file__).parent / "data"
#: Zoho's common.json, shared by every Zoho plugin's spec tests.
COMMON_DATA = Path(__file__).parents[1] / "zoho_common" / "data"
OAS_ROOT = "https://raw.githubusercontent.com/Zohocorp-Pvt-Ltd/crm-oas/refs/heads/main/v8.0/"
MASS_UPDATE_URI = OAS_ROOT + "mass_update.json"
COMMON_URI = OAS_ROOT + "common.json"
ADAPTER = "zoho.mass_update"

PLACEHOLDER = {"type": "object", "properties": {"dummy": {"type": "object"}}, "required": ["dummy"]}


def _load(name: str, where: Path = DATA) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((where / name).read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return _load("zoho-crm-v8-mass_update.json")


@pytest.fixture(scope="module")
def registry(spec: dict[str, Any]) -> Registry:
    usable = copy.deepcopy(spec)
    assert usable["components"]["schemas"]["data"] == PLACEHOLDER
    usable["components"]["schemas"]["data"] = {"type": "object", "minProperties": 1}
    return Registry().with_resources(
        [
            (MASS_UPDATE_URI, DRAFT202012.create_resource(usable)),
            (
                COMMON_URI,
                DRAFT202012.create_resource(_load("zoho-crm-v8-common.json", COMMON_DATA)),
            ),
        ]
    )


def validator(registry: Registry, pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{MASS_UPDATE_URI}#{pointer}"}, registry=registry)


def request_schema(spec: dict[str, Any], body: str) -> str:
    """The JSON pointer of a request body's schema, followed from ``requestBodies``."""
    ref: str = spec["components"]["requestBodies"][body]["content"]["application/json"]["schema"][
        "$ref"
    ]
    return ref.removeprefix("#")


REQUESTS = [
    MassUpdateRequest("Leads", {"Lead_Status": "Contacted"}, cvid="4150868000000087001"),
    MassUpdateRequest("Accounts", {"Industry": "Education"}, cvid="554023000000091515", territory_id="554023000000430409", include_child=True),
    MassUpdateRequest("Deals", {"Stage": "Won"}, cvid="3", over_write=False, criteria={"field": {"api_name": "Stage"}, "comparator": "equal", "value": "Lost"}),
    MassUpdateRequest("Deals", {"Lead_Source": "Advertisement", "Type": "Existing Business", "Languages_Known": ["English", "Spanish"]}, ids=["554023000000497007", 554023000000497021], over_write=True),
    MassUpdateRequest("Leads", {"Rating": "Hot"}, ids=["1"]),
]  # fmt: skip


def test_paths_match_the_spec(spec: dict[str, Any]) -> None:
    assert "/crm/v8/{module}/actions/mass_update" in spec["paths"]
    operations = spec["paths"]["/crm/v8/{module}/actions/mass_update"]
    assert set(operations) == {"get", "post"}
    assert MassUpdateAdapter._path("v8", "Leads") == "/crm/v8/Leads/actions/mass_update"
    job_id = spec["components"]["parameters"]["job_id"]
    assert (job_id["name"], job_id["in"], job_id["required"]) == ("job_id", "query", True)


def test_bodies_the_plugin_sends_validate(
    hub: Hub, sim: ZohoMassUpdateSimulator, spec: dict[str, Any], registry: Registry
) -> None:
    for number, request in enumerate(REQUESTS):
        if request.cvid:
            sim.add_view(request.cvid, records=10)
        hub.submit(ADAPTER, request)
        module, body = sim.received[number]
        assert module == request.module
        schema = request_schema(spec, "CVBody" if request.cvid else "IDSBody")
        errors = [e.message for e in validator(registry, schema).iter_errors(body)]
        assert errors == [], (body, errors)
    assert len(sim.received) == len(REQUESTS)


@pytest.mark.parametrize(
    ("body", "which"),
    [
        ({"data": [{"A": 1}], "ids": [1, 2]}, "IDSBody"),  # ids must be strings
        ({"data": {"A": 1}, "ids": ["1"]}, "IDSBody"),  # data must be a list
        ({"data": [{}], "ids": ["1"]}, "IDSBody"),  # a record with no field
        ({"data": [{"A": 1}]}, "CVBody"),  # no cvid
        ({"data": [{"A": 1}], "cvid": 42}, "CVBody"),  # cvid must be a string
    ],
)
def test_the_schema_check_has_teeth(
    spec: dict[str, Any], registry: Registry, body: dict[str, Any], which: str
) -> None:
    assert list(validator(registry, request_schema(spec, which)).iter_errors(body))


# The simulator's error answers, against the spec's error schemas. The spec's
# ErrorResponse is a oneOf whose members overlap (several accept any
# INVALID_DATA body), so an answer must match at least one of them.
ERROR_SCHEMAS = [
    f"{MASS_UPDATE_URI}#/components/schemas/EmptyCVError",
    f"{MASS_UPDATE_URI}#/components/schemas/MandatoryParamError",
    f"{MASS_UPDATE_URI}#/components/schemas/InvalidParamError",
    f"{MASS_UPDATE_URI}#/components/schemas/InvalidTypeError",
    f"{COMMON_URI}#/components/schemas/MandatoryError",
    f"{COMMON_URI}#/components/schemas/InvalidValueError",
    f"{COMMON_URI}#/components/schemas/InvalidUrlError",
    f"{COMMON_URI}#/components/schemas/PermissionError",
]


def _matches_an_error_schema(registry: Registry, body: Any) -> bool:
    return any(
        Draft202012Validator({"$ref": ref}, registry=registry).is_valid(body)
        for ref in ERROR_SCHEMAS
    )


def test_spec_error_members_are_the_ones_we_check(spec: dict[str, Any]) -> None:
    members = spec["components"]["responses"]["ErrorResponse"]["content"]["application/json"][
        "schema"
    ]["oneOf"]
    refs = {
        m["$ref"].replace("#/", MASS_UPDATE_URI + "#/", 1)
        if m["$ref"].startswith("#")
        else m["$ref"]
        for m in members
    }
    assert refs - set(ERROR_SCHEMAS) == {f"{MASS_UPDATE_URI}#/components/schemas/MandatoryWrapper"}


@pytest.mark.parametrize(
    "body",
    [
        {"data": [{"Rating": "Hot"}]},  # MANDATORY_NOT_FOUND (cvid)
        {"data": [{"Rating": "Hot", "Industry": "x"}], "cvid": "1"},  # INVALID_DATA, max fields
        {"data": [{"Rating": "Hot"}], "cvid": "abc"},  # INVALID_DATA, cvid
        {"data": [{"Email": "a@b.c"}], "cvid": "1"},  # INVALID_DATA, field not mass updatable
    ],
)
def test_simulator_body_errors_match_the_spec(
    hub: Hub, sim: ZohoMassUpdateSimulator, registry: Registry, body: dict[str, Any]
) -> None:
    response = hub.connection(ADAPTER).request(
        "POST", "/crm/v8/Leads/actions/mass_update", json=body, check=False
    )
    assert response.status == 400
    assert _matches_an_error_schema(registry, response.json()), response.json()


def test_simulator_status_errors_match_the_spec(
    hub: Hub, sim: ZohoMassUpdateSimulator, registry: Registry
) -> None:
    conn = hub.connection(ADAPTER)
    sim.add_view("600", records=0)
    answers = [
        conn.request("GET", "/crm/v8/Leads/actions/mass_update", check=False),
        conn.request(
            "GET", "/crm/v8/Leads/actions/mass_update", query={"job_id": "x"}, check=False
        ),
        conn.request(
            "GET", "/crm/v8/Widgets/actions/mass_update", query={"job_id": "1"}, check=False
        ),
        conn.request(
            "POST",
            "/crm/v8/Leads/actions/mass_update",
            json={"data": [{"A": 1}], "cvid": "600"},
            check=False,
        ),
    ]
    assert [a.status for a in answers] == [400, 400, 400, 400]
    for response in answers:
        assert _matches_an_error_schema(registry, response.json()), response.json()
